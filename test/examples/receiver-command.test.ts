/**
 * The receiver command in docs/webhooks.md works in a fresh clone right after `npm ci`, with no manual build: the example
 * imports the package by name, which resolves to the clone's own `dist/` (Node's package self-reference), and
 * `npm ci` builds that through the `prepare` lifecycle script. The clone is simulated as npm ci leaves it:
 * the repository's files (not ignored ones), the installed node_modules, no `dist/`, then the lifecycle script npm ci runs.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
// The receiver command lives in docs/webhooks.md.
const README = readFileSync(path.join(ROOT, "docs", "webhooks.md"), "utf8");
const clone = mkdtempSync(path.join(tmpdir(), "anton-fresh-clone-"));
afterAll(() => rmSync(clone, { recursive: true, force: true }));

describe("the documented receiver command after npm ci", () => {
  it("starts the receiver in a fresh clone without a manual build", async () => {
    // The files a commit of this working tree would hold: tracked, plus new ones not ignored.
    const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
    for (const file of tracked) {
      if (!existsSync(path.join(ROOT, file))) continue;
      mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
      cpSync(path.join(ROOT, file), path.join(clone, file));
    }
    symlinkSync(path.join(ROOT, "node_modules"), path.join(clone, "node_modules"), "dir");
    expect(existsSync(path.join(clone, "dist"))).toBe(false);

    // What `npm ci` runs after installing the dependencies (npm docs, "npm ci": the prepare lifecycle script).
    const prepare = spawnSync("npm", ["run", "prepare", "--if-present"], { cwd: clone, encoding: "utf8" });
    expect(prepare.status, prepare.stderr).toBe(0);

    const line = README.split("\n").find((l) => l.includes("examples/receiver/index.ts") && l.startsWith("ANTON_WEBHOOK_SECRETS_FILE="));
    expect(line).toBeDefined();
    const secrets = path.join(clone, "secrets.json");
    writeFileSync(secrets, JSON.stringify({ current: `whsec_${"a".repeat(64)}`, previous: "" }));
    const command = line!.replace(/ANTON_WEBHOOK_SECRETS_FILE=\S+/, `ANTON_WEBHOOK_SECRETS_FILE=${secrets}`).replace(/PORT=\d+/, "PORT=0");
    // `VAR=value exec node ...`: the shell is replaced by node, so SIGTERM reaches the receiver itself.
    const child = spawn("sh", ["-c", command.replace(/^((?:\w+=\S+ )+)/, "$1exec ")], { cwd: clone, env: { PATH: process.env.PATH } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const listening = await new Promise<boolean>((resolve) => {
      child.stdout.on("data", () => /outcome=listening/.test(out) && resolve(true));
      void exited.then(() => resolve(false));
    });
    expect(listening, `receiver did not start:\n${err.slice(0, 2000)}`).toBe(true);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);
});
