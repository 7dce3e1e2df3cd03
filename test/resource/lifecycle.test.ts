/** Tier 1: each lifecycle method against the emulator over real HTTP, with an injectable clock. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createWebhookSecretProvider, fingerprintOf, webhookSecretProvider } from "../../provider/resource/lifecycle";
import type { AntonApiError } from "../../provider/client";
import { closeClients } from "../../provider/resource/clients";
import { configOf, ROTATE, startAnton, type AntonFixture } from "../support/anton";

const DAY = 86_400_000;
let anton: AntonFixture;

beforeAll(async () => {
  anton = await startAnton();
});
afterAll(async () => {
  await closeClients();
  await anton.emulator.close();
});
afterEach(() => {
  anton.emulator.faults.clear();
});

function makeProvider(start = Date.parse("2026-11-01T00:00:00Z")) {
  const clock = { now: start };
  const warnings: string[] = [];
  const provider = createWebhookSecretProvider({ now: () => clock.now, warn: (m) => warnings.push(m), env: {} });
  return { provider, clock, warnings };
}

async function configured(start?: number) {
  const p = makeProvider(start);
  await p.provider.configure({ config: anton.configGetter });
  return p;
}

async function checked(provider: ReturnType<typeof makeProvider>["provider"], news: Record<string, unknown>) {
  const result = await provider.check!({}, news);
  expect(result.failures).toEqual([]);
  return result.inputs as any;
}

describe("check", () => {
  it("applies defaults and accepts computed (unknown) values without a request", async () => {
    const { provider } = await configured();
    const before = anton.emulator.state.requests.total;
    const ok = await provider.check!({}, { webhookId: "wbh_abc123", rotateAfter: "30d", triggers: { release: "1" } });
    expect(ok.failures).toEqual([]);
    expect(ok.inputs).toEqual({ webhookId: "wbh_abc123", triggers: { release: "1" }, rotateAfter: "30d", keepPrevious: true, adopt: false });
    const unknown = await provider.check!({}, { webhookId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" });
    expect(unknown.failures).toEqual([]);
    expect(anton.emulator.state.requests.total).toBe(before);
  });

  it("names the property and the fix for a bad webhookId", async () => {
    const { provider } = await configured();
    const { failures } = await provider.check!({}, { webhookId: "whk_../x" });
    expect(failures).toHaveLength(1);
    expect(failures![0].property).toBe("webhookId");
    expect(failures![0].reason).toMatch(/\^wbh_\[A-Za-z0-9\]\+\$/);
  });

  it("fails at preview, naming config keys and environment variables, when no credentials are configured", async () => {
    const provider = createWebhookSecretProvider({ env: {} });
    await provider.configure({ config: configOf({}) });
    const before = anton.emulator.state.requests.total;
    const { failures } = await provider.check!({}, { webhookId: "wbh_abc" });
    const text = failures!.map((f) => `${f.property}: ${f.reason}`).join("\n");
    expect(text).toMatch(/anton:/);
    expect(text).toMatch(/ANTON_/);
    expect(anton.emulator.state.requests.total).toBe(before);
  });

  it("for a missing client secret, suggests the prompting command, never one with the value on the command line", async () => {
    const provider = createWebhookSecretProvider({ env: {} });
    const { "anton:clientSecret": _omitted, ...rest } = anton.config;
    await provider.configure({ config: configOf(rest) });
    const { failures } = await provider.check!({}, { webhookId: "wbh_abc" });
    expect(failures).toHaveLength(1);
    expect(failures![0].property).toBe("anton:clientSecret (or ANTON_CLIENT_SECRET)");
    expect(failures![0].reason).toContain("`pulumi config set --secret anton:clientSecret` (it prompts for the value");
    expect(failures![0].reason).not.toMatch(/anton:clientSecret <|<value>/);
  });
});

describe("create", () => {
  it("rotates once, keeps the previous secret, and records when the next rotation is due", async () => {
    const { provider } = await configured();
    const hook = anton.emulator.createWebhook();
    const { id, outs } = await provider.create(await checked(provider, { webhookId: hook.id, rotateAfter: "30d" }));
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);
    expect(outs.secret).toBe(anton.emulator.state.currentSecret(hook.id));
    expect(outs.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(outs.previousSecret).toBe(hook.secret);
    expect(outs.fingerprint).toBe(fingerprintOf(outs.secret));
    expect(outs.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(outs.rotatedAt).toBe("2026-11-01T00:00:00.000Z");
    expect(outs.nextRotationAt).toBe("2026-12-01T00:00:00.000Z");
    expect(outs.rotationKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(id).toBe(`${hook.id}:2026-11-01T00:00:00.000Z`);
  });

  it("with keepPrevious: false makes exactly one API call per rotation", async () => {
    const { provider } = await configured();
    const hook = anton.emulator.createWebhook();
    await provider.create(await checked(provider, { webhookId: hook.id })); // warms the token
    anton.emulator.state.resetCounters();
    const { outs } = await provider.create(await checked(provider, { webhookId: hook.id, keepPrevious: false }));
    expect(anton.emulator.state.requests.byRoute).toEqual({ [ROTATE]: 1 });
    expect(outs.previousSecret).toBe("");
    expect(anton.emulator.state.rotations(hook.id)).toBe(2);
  });

  it("adopts without rotating", async () => {
    const { provider } = await configured();
    const hook = anton.emulator.createWebhook();
    const { outs } = await provider.create(await checked(provider, { webhookId: hook.id, adopt: true }));
    expect(anton.emulator.state.rotations(hook.id)).toBe(0);
    expect(outs.secret).toBe(hook.secret);
    expect(outs.rotationKey).toBe("");
  });

  it("recovers a rotation whose response was lost, without rotating twice", async () => {
    const { provider } = await configured();
    const hook = anton.emulator.createWebhook();
    anton.emulator.faults.dropAfterCommit(1, { route: /secret\/rotate/ });
    const { outs } = await provider.create(await checked(provider, { webhookId: hook.id }));
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);
    expect(outs.secret).toBe(anton.emulator.state.currentSecret(hook.id));
  });

  it("recovers through a read when every retry of the rotation loses its response", async () => {
    const { provider } = await configured();
    const hook = anton.emulator.createWebhook();
    anton.emulator.faults.dropAfterCommit(50, { route: /secret\/rotate/ });
    const { outs } = await provider.create(await checked(provider, { webhookId: hook.id }));
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);
    expect(outs.secret).toBe(anton.emulator.state.currentSecret(hook.id));
    expect(outs.previousSecret).toBe(hook.secret);
  });

  it("says what to fix when the webhook does not exist, and changes nothing", async () => {
    const { provider } = await configured();
    const total = anton.emulator.state.totalRotations();
    await expect(provider.create(await checked(provider, { webhookId: "wbh_doesnotexist" }))).rejects.toMatchObject({
      name: "AntonApiError",
      status: 404,
    });
    expect(anton.emulator.state.totalRotations()).toBe(total);
  });

  it("keeps the hint out of the error's message, and the provider Pulumi calls prints both", async () => {
    const { provider } = await configured();
    const inputs = await checked(provider, { webhookId: "wbh_doesnotexist" });
    const raw = (await provider.create(inputs).catch((e: unknown) => e)) as AntonApiError;
    expect(raw.hint).toMatch(/^check the webhook id, and that anton:apiUrl/);
    expect(raw.message).toMatch(/HTTP 404 not_found/);
    expect(raw.message).not.toContain("check the webhook id");
    // Pulumi shows only the message of what the shared provider throws.
    await webhookSecretProvider.configure({ config: anton.configGetter });
    const shown = (await webhookSecretProvider.create(inputs).catch((e: unknown) => e)) as AntonApiError;
    expect(shown).toMatchObject({ name: "AntonApiError", status: 404, code: raw.code, hint: raw.hint });
    expect(shown.message).toBe(`${raw.message.replace(/\[request req_[0-9a-f]+\]$/, `[request ${shown.requestId}]`)} (${raw.hint})`);
  });
});

describe("diff", () => {
  const base = { webhookId: "wbh_abc", triggers: { a: "1" }, rotateAfter: "30d", keepPrevious: true, adopt: false };
  const olds = { ...base, secret: "whsec_x", previousSecret: "", fingerprint: "f", rotatedAt: "2026-11-01T00:00:00.000Z", nextRotationAt: "", rotationKey: "k" };

  it("reports no change for identical inputs", async () => {
    const { provider } = makeProvider();
    expect(await provider.diff!("id", olds, { ...base })).toMatchObject({ changes: false, replaces: [] });
  });

  it("replaces on a changed webhookId or triggers", async () => {
    const { provider } = makeProvider();
    expect((await provider.diff!("id", olds, { ...base, webhookId: "wbh_other" })).replaces).toEqual(["webhookId"]);
    expect((await provider.diff!("id", olds, { ...base, triggers: { a: "2" } })).replaces).toEqual(["triggers"]);
    expect((await provider.diff!("id", olds, { ...base, triggers: { a: "1", b: "1" } })).replaces).toEqual(["triggers"]);
    expect((await provider.diff!("id", olds, { ...base, triggers: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" })).replaces).toEqual(["triggers"]);
  });

  it("replaces once rotateAfter has elapsed since rotatedAt, and not a millisecond before", async () => {
    const { provider, clock } = makeProvider(Date.parse(olds.rotatedAt) + 30 * DAY - 1);
    expect(await provider.diff!("id", olds, { ...base })).toMatchObject({ changes: false, replaces: [] });
    clock.now += 1;
    expect(await provider.diff!("id", olds, { ...base })).toMatchObject({ changes: true, replaces: ["rotateAfter"] });
  });

  it("updates in place for a changed rotateAfter not yet due, keepPrevious or adopt", async () => {
    const { provider } = makeProvider(Date.parse(olds.rotatedAt) + DAY);
    for (const news of [{ ...base, rotateAfter: "60d" }, { ...base, keepPrevious: false }, { ...base, adopt: true }]) {
      expect(await provider.diff!("id", olds, news)).toMatchObject({ changes: true, replaces: [] });
    }
    // A shorter period that is already due replaces.
    expect((await provider.diff!("id", olds, { ...base, rotateAfter: "12h" })).replaces).toEqual(["rotateAfter"]);
  });
});

describe("update, read and delete", () => {
  it("update keeps every output, recomputes nextRotationAt and makes no request", async () => {
    const { provider } = await configured();
    const hook = anton.emulator.createWebhook();
    const { outs } = await provider.create(await checked(provider, { webhookId: hook.id, rotateAfter: "30d" }));
    const before = anton.emulator.state.requests.total;
    const { outs: updated } = (await provider.update!("id", outs, { ...(await checked(provider, { webhookId: hook.id, rotateAfter: "7d" })) })) as any;
    expect(anton.emulator.state.requests.total).toBe(before);
    expect(updated).toEqual({ ...outs, rotateAfter: "7d", nextRotationAt: "2026-11-08T00:00:00.000Z" });
  });

  it("read returns the state unchanged when the server agrees", async () => {
    const { provider, warnings } = await configured();
    const hook = anton.emulator.createWebhook();
    const { id, outs } = await provider.create(await checked(provider, { webhookId: hook.id }));
    expect(await provider.read!(id, outs)).toEqual({ id, props: outs });
    expect(warnings).toEqual([]);
  });

  it("read picks up an out-of-band rotation and warns without the secret", async () => {
    const { provider, warnings } = await configured();
    const hook = anton.emulator.createWebhook();
    const { id, outs } = await provider.create(await checked(provider, { webhookId: hook.id }));
    const rotated = anton.emulator.rotateOutOfBand(hook.id);
    const read = await provider.read!(id, outs);
    expect(read.id).toBe(id);
    expect(read.props).toMatchObject({ secret: rotated, previousSecret: outs.secret, fingerprint: fingerprintOf(rotated) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/rotated outside Pulumi/);
    expect(warnings[0]).not.toContain(rotated);
    expect(warnings[0]).not.toContain(outs.secret);
  });

  it("read reports a deleted webhook as gone", async () => {
    const { provider } = await configured();
    const hook = anton.emulator.createWebhook();
    const { id, outs } = await provider.create(await checked(provider, { webhookId: hook.id }));
    anton.emulator.deleteWebhook(hook.id);
    expect((await provider.read!(id, outs)).id).toBe("");
  });

  it("delete makes no API call", async () => {
    const { provider } = await configured();
    const hook = anton.emulator.createWebhook();
    const { id, outs } = await provider.create(await checked(provider, { webhookId: hook.id }));
    const before = anton.emulator.state.requests.total;
    await provider.delete!(id, outs);
    expect(anton.emulator.state.requests.total).toBe(before);
    expect(anton.emulator.state.currentSecret(hook.id)).toBe(outs.secret);
  });
});
