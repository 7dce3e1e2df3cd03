/**
 * `npm run demo` without a usable Pulumi CLI: one clear line, a non-zero exit, and nothing
 * left behind (the CLI is checked before the emulator starts or the state folder is written).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const scratch = mkdtempSync(path.join(tmpdir(), "anton-demo-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX, path.join(ROOT, "examples", "quickstart", "demo.ts")], { cwd: ROOT, env, timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run demo without the Pulumi CLI", () => {
  it.each([
    ["a path that does not exist", path.join(scratch, "no-such-dir", "pulumi")],
    ["a program that exits non-zero (not the Pulumi CLI)", "/bin/false"],
  ])("fails with one line naming how to install it, when ANTON_DEMO_PULUMI is %s", async (_what, cli) => {
    const stateDir = path.join(scratch, `state-${path.basename(cli)}`);
    const result = await runDemo({ ...process.env, ANTON_DEMO_PULUMI: cli, ANTON_DEMO_STATE_DIR: stateDir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.split("\n").filter((l) => l.trim() !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^demo: the Pulumi CLI could not be started \(.+\); install it with `npx pulumi version`.*https:\/\/www\.pulumi\.com\/docs\/install\//);
    expect(lines[0]).toContain(cli);
    // Nothing half-done: no state folder, no emulator output, no credentials.
    expect(existsSync(stateDir)).toBe(false);
    expect(result.stderr).not.toMatch(/emulator|ant_ocs_|PRIVATE KEY|whsec_/);
  });
});
