/**
 * Tier 3: Pulumi programs under `setMocks`, executing the real serialized provider
 * against the emulator. Checks the wiring users rely on: secret outputs stay secret
 * into consumers, non-secret outputs carry nothing secret, and replaces rotate.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { runProgram, settle, type RecordedResource } from "../support/mocks";
import { useAnton } from "../support/anton";
import { SECRET_SIG } from "../support/plugin";

const { AntonWebhookSecret } = require("pulumi-anton") as typeof import("../../provider");

class Consumer extends pulumi.CustomResource {
  declare public readonly value: pulumi.Output<string>;
  constructor(name: string, value: pulumi.Input<string>) {
    super("test:index:Consumer", name, { value });
  }
}

const anton = useAnton();

describe("AntonWebhookSecret in a program", () => {
  it("rotates on create, exposes secret outputs as secrets and feeds a consumer a secret", async () => {
    const a = anton.emulator.createWebhook();
    const b = anton.emulator.createWebhook();
    const run = await runProgram(
      () => {
        const first = new AntonWebhookSecret("first", { webhookId: a.id, rotateAfter: "30d" });
        const second = new AntonWebhookSecret("second", { webhookId: b.id, triggers: { release: "1" } });
        new Consumer("consumer", first.secret);
        return { secret: first.secret, previous: first.previousSecret, fingerprint: first.fingerprint, rotatedAt: first.rotatedAt, next: first.nextRotationAt, other: second.fingerprint };
      },
      { config: anton.config, secretKeys: ["anton:clientSecret", "anton:dpopPrivateKey"] },
    );
    const secret = await settle(run.exports.secret);
    expect(secret).toEqual({ value: anton.emulator.state.currentSecret(a.id), secret: true });
    expect(await settle(run.exports.previous)).toEqual({ value: a.secret, secret: true });
    for (const key of ["fingerprint", "rotatedAt", "next", "other"] as const) {
      const out = await settle(run.exports[key]);
      expect(out.secret).toBe(false);
      expect(String(out.value)).not.toMatch(/whsec_/);
    }
    expect(anton.emulator.state.rotations(a.id)).toBe(1);
    expect(anton.emulator.state.rotations(b.id)).toBe(1);

    // The engine sees the consumer's input as a secret on the wire.
    const consumer = run.resources.get("consumer")!;
    expect(consumer.wireInputs.value[SECRET_SIG]).toBeDefined();
    expect(consumer.inputs.value).toEqual({ [SECRET_SIG]: expect.any(String), value: secret.value });

    // Both resources declared their secret outputs, and share one credential-free __provider.
    expect(run.resources.get("first")!.secretOutputs.sort()).toEqual(["previousSecret", "secret"]);
    expect(run.resources.get("first")!.type).toBe("pulumi-nodejs:dynamic/anton:WebhookSecret");
    expect(run.providers.get("first")).toBe(run.providers.get("second"));
    expect(run.providers.get("first")).not.toContain(anton.config["anton:clientSecret"]);
  });

  it("rotates again only when triggers change or a replace is forced", async () => {
    const hook = anton.emulator.createWebhook();
    const program = (release: string) => () => {
      const s = new AntonWebhookSecret("signing", { webhookId: hook.id, triggers: { release } });
      return { fingerprint: s.fingerprint };
    };
    const opts = { config: anton.config };
    const first = await runProgram(program("1"), opts);
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);

    const same = await runProgram(program("1"), { ...opts, previous: first.resources });
    expect(same.resources.get("signing")!.op).toBe("same");
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);

    const bumped = await runProgram(program("2"), { ...opts, previous: same.resources });
    expect(bumped.resources.get("signing")!.op).toBe("replace");
    expect(anton.emulator.state.rotations(hook.id)).toBe(2);

    const forced = await runProgram(program("2"), { ...opts, previous: bumped.resources, replace: ["signing"] });
    expect(forced.resources.get("signing")!.op).toBe("replace");
    expect(anton.emulator.state.rotations(hook.id)).toBe(3);
    const state: RecordedResource = forced.resources.get("signing")!;
    expect(state.state.secret).toBe(anton.emulator.state.currentSecret(hook.id));
    expect((await settle(forced.exports.fingerprint)).value).toBe(state.state.fingerprint);
  });
});
