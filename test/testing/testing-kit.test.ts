/**
 * `pulumi-anton/testing` under vitest (examples/testing/ runs it under node:test): the two ways plain
 * `setMocks` misleads, and how `setAntonMocks` behaves like the engine instead.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AntonWebhookSecret } from "../../provider";
import { resolveOutput, setAntonMocks, useAntonEmulator, WEBHOOK_SECRET_TYPE } from "../../provider/testing";

const WEBHOOK = "wbh_01HX8Z9K0M2N3P4Q5R6S7T8UW";

describe("plain setMocks (the pitfalls the README warns about)", () => {
  it("shows secret as not secret, and lets a bad webhookId through", async () => {
    await pulumi.runtime.setMocks({
      newResource: (args) => ({ id: `${args.name}_id`, state: { ...args.inputs, secret: "whsec_plain" } }),
      call: (args) => args.inputs,
    });
    const good = new AntonWebhookSecret("plain", { webhookId: WEBHOOK });
    expect(await resolveOutput(good.secret)).toEqual({ value: "whsec_plain", secret: false, known: true });
    const bad = new AntonWebhookSecret("plain-bad", { webhookId: "not-a-webhook" });
    expect((await resolveOutput(bad.webhookId)).value).toBe("not-a-webhook");
  });
});

describe("setAntonMocks, simulated create", () => {
  it("marks secret and previousSecret secret, as additionalSecretOutputs does under the engine", async () => {
    const mocks = await setAntonMocks();
    const signing = new AntonWebhookSecret("orders", { webhookId: WEBHOOK, rotateAfter: "30d" });
    const secret = await resolveOutput(signing.secret);
    expect(secret.secret).toBe(true);
    expect(secret.value).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    const previous = await resolveOutput(signing.previousSecret);
    expect(previous.secret).toBe(true);
    expect(previous.value).toMatch(/^whsec_/);
    expect(previous.value).not.toBe(secret.value);
    expect(await resolveOutput(signing.fingerprint)).toEqual({ value: expect.stringMatching(/^[0-9a-f]{16}$/), secret: false, known: true });
    expect(Date.parse((await resolveOutput(signing.nextRotationAt)).value) - Date.parse((await resolveOutput(signing.rotatedAt)).value)).toBe(30 * 86_400_000);
    // Derived values stay secret too.
    expect((await resolveOutput(signing.secret.apply((s) => s.length))).secret).toBe(true);
    expect(mocks.created.get("orders")?.inputs).toMatchObject({ webhookId: WEBHOOK, rotateAfter: "30d", keepPrevious: true });
  });

  it("runs Check: a bad webhookId or rotateAfter fails as preview does, and values derived from it too", async () => {
    const mocks = await setAntonMocks();
    const typo = new AntonWebhookSecret("typo", { webhookId: "wh_123" });
    await expect(resolveOutput(typo.secret)).rejects.toThrow(/AntonWebhookSecret typo failed Check .*webhookId: "wh_123" is not an Anton webhook id/);
    await expect(resolveOutput(pulumi.all([typo.fingerprint, "x"]).apply(([f]) => f))).rejects.toThrow(/webhookId/);
    const period = new AntonWebhookSecret("period", { webhookId: WEBHOOK, rotateAfter: "soon" });
    await expect(resolveOutput(period.fingerprint)).rejects.toThrow(/rotateAfter/);
    expect([...mocks.failures.keys()]).toEqual(["typo", "period"]);
    expect(mocks.failures.get("typo")![0]!.property).toBe("webhookId");
    expect(mocks.created.size).toBe(0);
  });

  it("leaves other resources to the caller's mocks, and models preview", async () => {
    const seen: string[] = [];
    await setAntonMocks({
      preview: true,
      mocks: { newResource: (args) => (seen.push(args.type), { id: "x", state: { ...args.inputs, arn: "arn:aws:x" } }) },
    });
    class Thing extends pulumi.CustomResource {}
    const other = new Thing("test:index:Thing", "thing", { size: 1 });
    const signing = new AntonWebhookSecret("preview", { webhookId: WEBHOOK });
    expect(await resolveOutput(other.urn)).toMatchObject({ secret: false });
    expect(seen).toEqual(["test:index:Thing"]);
    // Check ran (it would reject otherwise); nothing was created, so the outputs are unknown.
    expect(await resolveOutput(signing.fingerprint)).toEqual({ value: undefined, secret: false, known: false });
    expect(WEBHOOK_SECRET_TYPE).toBe("pulumi-nodejs:dynamic/anton:WebhookSecret");
  });
});

describe("setAntonMocks against an emulator (vitest hooks)", () => {
  const anton = useAntonEmulator({ before: beforeAll, after: afterAll });

  it("creates for real: one rotation over HTTP, the emulator's secret comes back secret", async () => {
    await setAntonMocks({ against: anton });
    const before = anton.emulator.state.currentSecret(anton.webhookId);
    const signing = new AntonWebhookSecret("real", { webhookId: anton.webhookId });
    const secret = await resolveOutput(signing.secret);
    expect(secret).toEqual({ value: anton.emulator.state.currentSecret(anton.webhookId), secret: true, known: true });
    expect(anton.emulator.state.rotations(anton.webhookId)).toBe(1);
    expect((await resolveOutput(signing.previousSecret)).value).toBe(before);
    expect(new pulumi.Config("anton").require("apiUrl")).toBe(anton.emulator.url);
  });

  it("fails Check on missing credentials, as preview does with real credentials config", async () => {
    await setAntonMocks({ against: { config: { "anton:apiUrl": anton.emulator.url } } });
    const signing = new AntonWebhookSecret("nocreds", { webhookId: anton.webhookId });
    await expect(resolveOutput(signing.secret)).rejects.toThrow(/anton:clientId/);
  });
});
