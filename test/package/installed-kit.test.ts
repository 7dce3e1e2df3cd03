/**
 * Issue 14's "done when", in a temp project that installed the packed tarball (no checkout in reach):
 * a user's test starts the emulator from `pulumi-anton/emulator` and runs a program with
 * `pulumi-anton/testing` (secret flagged secret, a bad webhookId rejected, one rotation against the
 * emulator); examples/testing's own tests run there too; and the installed bins work from
 * node_modules/.bin with no build step. Timing is printed, not asserted (beyond a sanity bound).
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import * as ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { CliProcess } from "../emulator-tests/cli-process";
import { describePacked, packed, ROOT, workspace, type Packed } from "../support/pack";

const run = promisify(execFile);
let pkg: Packed;
beforeAll(async () => {
  const started = Date.now();
  pkg = await packed();
  console.log(describePacked(pkg, started));
}, 300_000);

const PROGRAM = `
const { AntonWebhookSecret } = require("pulumi-anton");
exports.signing = (name, webhookId) => new AntonWebhookSecret(name, { webhookId, rotateAfter: "30d" });
`;

const USER_TEST = `
const { after, before, it } = require("node:test");
const assert = require("node:assert/strict");
const { startEmulator } = require("pulumi-anton/emulator");
const { emulatorConfig, resolveOutput, setAntonMocks } = require("pulumi-anton/testing");
const { signing } = require("./program");

let emulator;
before(async () => { emulator = await startEmulator({ keyFile: false }); });
after(async () => { await require("pulumi-anton/dynamic").closeClients(); await emulator.close(); });

it("flags secret as secret and rejects a bad webhookId, offline", async () => {
  await setAntonMocks();
  const good = signing("good", "wbh_01HX8Z9K0M2N3P4Q5R6S7T8UW");
  const secret = await resolveOutput(good.secret);
  assert.equal(secret.secret, true);
  assert.match(secret.value, /^whsec_/);
  await assert.rejects(resolveOutput(signing("bad", "wh_oops").secret), /webhookId/);
});

it("rotates once against the emulator", async () => {
  const hook = emulator.createWebhook();
  await setAntonMocks({ against: { config: emulatorConfig(emulator) } });
  const secret = await resolveOutput(signing("real", hook.id).secret);
  assert.equal(emulator.state.rotations(hook.id), 1);
  assert.deepEqual(secret, { value: emulator.state.currentSecret(hook.id), secret: true, known: true });
});
`;

async function nodeTest(cwd: string, files: string[]): Promise<{ code: number; out: string }> {
  return run(process.execPath, ["--test", ...files], { cwd, timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: Number(err.code ?? 1), out: `${err.stdout}${err.stderr}` }),
  );
}

describe("the installed package, used as a user would", () => {
  it("a user's node:test suite: emulator from pulumi-anton/emulator, program under pulumi-anton/testing", async () => {
    const dir = workspace(pkg.project, "user-test");
    writeFileSync(path.join(dir, "program.js"), PROGRAM);
    writeFileSync(path.join(dir, "program.test.js"), USER_TEST);
    const result = await nodeTest(dir, ["program.test.js"]);
    expect(result.out).toMatch(/^# pass 2$/m);
    expect(result.out).toMatch(/^# fail 0$/m);
    expect(result.code).toBe(0);
  });

  it("examples/testing's own tests pass against the installed package", async () => {
    const dir = workspace(pkg.project, "examples-testing");
    const files = ["signing.ts", "signing.test.ts", "rotation.test.ts"];
    for (const file of files) {
      const source = readFileSync(path.join(ROOT, "examples", "testing", file), "utf8");
      const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
      writeFileSync(path.join(dir, file.replace(/\.ts$/, ".js")), js.outputText);
    }
    const result = await nodeTest(dir, ["signing.test.js", "rotation.test.js"]);
    expect(result.out).toMatch(/^# pass 4$/m);
    expect(result.code).toBe(0);
  });

  it("node_modules/.bin/anton-emulator --json prints one line, serves, and stops cleanly on SIGTERM", async () => {
    const bin = path.join(pkg.project, "node_modules", ".bin", "anton-emulator");
    const started = performance.now();
    const cli = new CliProcess(bin, ["--json"]);
    try {
      const [line] = await cli.readUntil((lines) => lines.length >= 1);
      const ms = performance.now() - started;
      console.log(`anton-emulator --json: first line after ${ms.toFixed(0)} ms (spawn to JSON line, installed package)`);
      expect(ms).toBeLessThan(10_000); // sanity only; the 1 s figure is measured and reported, not asserted
      const info = JSON.parse(line!) as { url: string; key_file: string; webhook_id: string; env: Record<string, string> };
      expect(existsSync(info.key_file)).toBe(true);
      // The second bin, with the first one's variables: one authenticated request.
      const api = await run(path.join(pkg.project, "node_modules", ".bin", "anton-api"), ["GET", `/v1/webhooks/${info.webhook_id}`], {
        env: { PATH: process.env.PATH ?? "", ...info.env },
      });
      expect(JSON.parse(api.stdout).id).toBe(info.webhook_id);
      cli.kill("SIGTERM");
      expect(await CliProcess.within(cli.exited, "exit after SIGTERM")).toEqual({ code: 0, signal: null });
      expect(cli.output()).toEqual([line]);
      expect(existsSync(info.key_file)).toBe(false);
      const refused = await fetch(`${info.url}/.well-known/jwks.json`).then(() => false, () => true);
      expect(refused).toBe(true);
    } finally {
      cli.dispose();
    }
  });
});
