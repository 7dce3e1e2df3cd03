/**
 * The quickstart program, run the way `npm run demo` runs it (up, then up --replace), under the
 * setMocks engine model with the real serialized provider against the emulator. The same figures
 * the demo prints: 1 rotation after the first up, 2 after the replace.
 */
import { describe, expect, it } from "vitest";
import { runProgram, settle } from "../support/mocks";
import { useAnton } from "../support/anton";
import { isWireSecret, issuedSecrets, loadExample, plaintextLeaks } from "./support";


type Quickstart = typeof import("../../examples/quickstart/index");

const anton = useAnton();

const SECRET_KEYS = ["anton:clientSecret", "anton:dpopPrivateKey"];

describe("examples/quickstart", () => {
  it("rotates once on up and once more on up --replace, exporting the secret only as a secret", async () => {
    const hook = anton.emulator.createWebhook();
    const config = { ...anton.config, "quickstart:webhookId": hook.id };
    const opts = { config, secretKeys: SECRET_KEYS, project: "quickstart" };

    const up = await runProgram(() => loadExample<Quickstart>("quickstart"), opts);
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);
    const first = await settle(up.exports.secret);
    expect(first).toEqual({ value: anton.emulator.state.currentSecret(hook.id), secret: true });
    const fp1 = await settle(up.exports.fingerprint);
    expect(fp1.secret).toBe(false);
    expect(fp1.value).toMatch(/^[0-9a-f]{16}$/);
    expect(up.resources.get("quickstart")!.inputs).toMatchObject({ rotateAfter: "30d", triggers: { release: "1" }, webhookId: hook.id });
    expect((await settle(up.exports.nextRotationAt)).value).toBe(
      new Date(Date.parse((await settle(up.exports.rotatedAt)).value) + 30 * 86_400_000).toISOString(),
    );

    // A second plain `pulumi up` changes nothing.
    const again = await runProgram(() => loadExample<Quickstart>("quickstart"), { ...opts, previous: up.resources });
    expect(again.resources.get("quickstart")!.op).toBe("same");
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);

    const replaced = await runProgram(() => loadExample<Quickstart>("quickstart"), { ...opts, previous: again.resources, replace: ["quickstart"] });
    expect(replaced.resources.get("quickstart")!.op).toBe("replace");
    expect(anton.emulator.state.rotations(hook.id)).toBe(2);
    const second = await settle(replaced.exports.secret);
    expect(second).toEqual({ value: anton.emulator.state.currentSecret(hook.id), secret: true });
    expect(second.value).not.toBe(first.value);
    const fp2 = await settle(replaced.exports.fingerprint);
    expect(fp2.value).not.toBe(fp1.value);
    expect(replaced.resources.get("quickstart")!.state.previousSecret).toBe(first.value);

    const needles = issuedSecrets([hook.secret, first.value, second.value]);
    expect(needles).toHaveLength(3);
    for (const run of [up, again, replaced]) expect(await plaintextLeaks(run as never, needles)).toEqual([]);
    // The stack config's credentials never reach the serialized provider.
    expect(replaced.providers.get("quickstart")).not.toContain(anton.config["anton:clientSecret"]);
  });

  it("a release bump in config rotates on the next up", async () => {
    const hook = anton.emulator.createWebhook();
    const config = { ...anton.config, "quickstart:webhookId": hook.id };
    const up = await runProgram(() => loadExample<Quickstart>("quickstart"), { config, project: "quickstart" });
    const bumped = await runProgram(() => loadExample<Quickstart>("quickstart"), {
      config: { ...config, "quickstart:release": "2" },
      project: "quickstart",
      previous: up.resources,
    });
    expect(bumped.resources.get("quickstart")!.op).toBe("replace");
    expect(anton.emulator.state.rotations(hook.id)).toBe(2);
    expect(isWireSecret(bumped.resources.get("quickstart")!.wireInputs.webhookId)).toBe(false);
  });

  it("fails the preview with a config error when the webhook id is missing", async () => {
    await expect(runProgram(() => loadExample<Quickstart>("quickstart"), { config: anton.config, project: "quickstart" })).rejects.toThrow(
      /quickstart:webhookId/,
    );
  });
});
