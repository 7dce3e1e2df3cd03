/**
 * `npm run demo` (examples/quickstart/demo.ts) without a usable Pulumi CLI: one clear line with a
 * reason for every source tried, a non-zero exit, and nothing left behind (the CLI is checked
 * before the emulator starts or the state folder is written). The demo's run with the real CLI is
 * in test/e2e/demo.test.ts.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDemo } from "../support/run-demo";

const scratch = mkdtempSync(path.join(tmpdir(), "anton-demo-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));


const INSTALL = /install it from https:\/\/www\.pulumi\.com\/docs\/install\/ \(or install Go from https:\/\/go\.dev\/dl\/ and the demo builds it\), then re-run `npm run demo`\.$/;

function expectOneLineFailure(result: { code: number | null; stdout: string; stderr: string }, stateDir: string): string {
  expect(result.code).toBe(1);
  const lines = result.stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("pulumi-cli: "));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^demo: the Pulumi CLI could not be started \(.+\); /);
  expect(lines[0]).toMatch(INSTALL);
  // Nothing half-done: no state folder, no emulator output, no credentials.
  expect(existsSync(stateDir)).toBe(false);
  expect(result.stdout + result.stderr).not.toMatch(/emulator on|ant_ocs_|PRIVATE KEY|whsec_/);
  return lines[0]!;
}

describe("npm run demo without the Pulumi CLI", () => {
  it.each([
    ["a path that does not exist", path.join(scratch, "no-such-dir", "pulumi"), "ENOENT"],
    ["a program that exits non-zero without a message (not the Pulumi CLI)", "/bin/false", "exited 1 without a message"],
  ])("fails with one line giving the reason, when ANTON_DEMO_PULUMI is %s", async (_what, cli, reason) => {
    const stateDir = path.join(scratch, `state-${path.basename(cli)}`);
    const result = await runDemo({ ...process.env, ANTON_DEMO_PULUMI: cli, ANTON_DEMO_STATE_DIR: stateDir });
    const line = expectOneLineFailure(result, stateDir);
    expect(line).toContain(`(${cli}: ${reason})`);
  });

  it("with no CLI on PATH, none cached, no download and no Go, says so in one line", async () => {
    // PATH holds only node (tsx needs it) and the basic tools; the cache is empty.
    const tools = mkdtempSync(path.join(scratch, "tools-"));
    for (const tool of ["bash", "dirname", "mkdir", "install", "tr", "cat"]) symlinkSync(execFileSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim(), path.join(tools, tool));
    const stateDir = path.join(scratch, "state-nothing");
    const result = await runDemo({
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${tools}`,
      PULUMI_ANTON_CLI_CACHE: path.join(scratch, "empty-cache"),
      HOME: scratch,
      ANTON_DEMO_STATE_DIR: stateDir,
    });
    const line = expectOneLineFailure(result, stateDir);
    expect(line).toContain("the pulumi npm package: ");
    expect(line).toContain("no Pulumi CLI v3.276.0 and no Go to build it");
    expect(result.stdout).toContain("building the pinned one from the Go module proxy");
  });
});
