/**
 * examples/testing/: a team's own program and its own unit tests, written against the installed
 * package (`pulumi-anton`, `pulumi-anton/testing`). The tests run as the team runs them, under
 * `node:test` in a child process; the program itself runs under this repository's engine model.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runProgram, settle } from "../support/mocks";
import { useAnton } from "../support/anton";
import { EXAMPLES, loadExample } from "./support";

type Program = typeof import("../../examples/testing/index");

const anton = useAnton();
const ROOT = path.resolve(EXAMPLES, "..");

describe("examples/testing", () => {
  it("its own tests pass under node:test: secrets stay secret, bad inputs fail Check, one rotation against the emulator", async () => {
    const files = ["signing.test.ts", "rotation.test.ts"].map((f) => path.join("examples", "testing", f));
    const result = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, ["--import", "tsx", "--test", ...files], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      );
    });
    expect(result.out).toMatch(/^# pass 4$/m);
    expect(result.out).toMatch(/^# fail 0$/m);
    expect(result.code).toBe(0);
    const passed = result.out.split("\n").filter((l) => /^\s*ok \d+ - /.test(l));
    for (const name of ["keeps the signing secret secret", "rejects a webhook id", "rejects a rotation period", "rotates the webhook's secret exactly once"]) {
      expect(passed.some((l) => l.includes(name)), name).toBe(true);
    }
  });

  it("the program exports the receivers' secrets only as a secret", async () => {
    const hook = anton.emulator.createWebhook();
    const run = await runProgram(() => loadExample<Program>("testing"), {
      config: { ...anton.config, "anton-testing:webhookId": hook.id },
      secretKeys: ["anton:clientSecret", "anton:dpopPrivateKey"],
      project: "anton-testing",
    });
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);
    const secrets = await settle(run.exports.receiverSecrets);
    expect(secrets.secret).toBe(true);
    expect(JSON.parse(secrets.value)).toEqual({ current: anton.emulator.state.currentSecret(hook.id), previous: expect.stringMatching(/^whsec_/) });
    expect((await settle(run.exports.fingerprint)).secret).toBe(false);
  });
});
