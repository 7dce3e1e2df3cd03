/**
 * `npm run demo` (examples/quickstart/demo.ts).
 *
 * Without a usable Pulumi CLI: one clear line, a non-zero exit, and nothing left behind (the CLI
 * is checked before the emulator starts or the state folder is written).
 *
 * With a stand-in CLI (fake-pulumi.cjs: real provider, real emulator, fake engine): the steps in
 * order, the figures (1 rotation after up, 2 after --replace), secrets only through stdin and
 * only printed by the final --show-secrets step, and the emulator stopped at the end.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
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

interface Invocation {
  args: string[];
  stdin?: string;
  backend?: string;
  passphrase: boolean;
}

describe("npm run demo with a CLI (stand-in)", () => {
  it("runs up, up --replace and stack output, printing a secret only in the last step", async () => {
    const stateDir = path.join(scratch, "state-ok");
    const log = path.join(scratch, "fake-pulumi.log");
    const result = await runDemo({
      ...process.env,
      ANTON_DEMO_PULUMI: path.join(__dirname, "fake-pulumi.cjs"),
      ANTON_DEMO_STATE_DIR: stateDir,
      FAKE_PULUMI_LOG: log,
      // `npm test` has just built dist/.
      ANTON_DEMO_SKIP_BUILD: "1",
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const out = result.stdout;

    // The figures, and the steps in the order the issue gives them.
    expect(out).toMatch(/after up: rotations 1 \(expected 1\), fingerprint [0-9a-f]{16}\n/);
    expect(out).toMatch(/after up --replace: rotations 2 \(expected 2\), fingerprint [0-9a-f]{16}\n/);
    const [fp1, fp2] = [...out.matchAll(/fingerprint ([0-9a-f]{16})\n/g)].map((m) => m[1]);
    expect(fp1).not.toBe(fp2);
    const summary = out.trimEnd().split("\n").at(-1)!;
    expect(summary).toBe(`demo: OK: 2 rotations (up: 1, up --replace: 2); fingerprint ${fp1} -> ${fp2}; stack demo kept in ${stateDir}/ (delete the folder to discard it)`);

    const calls = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Invocation);
    const commands = calls.map((c) => c.args.filter((a) => !a.startsWith("urn:")).slice(0, 3).join(" "));
    expect(commands).toEqual([
      "version",
      "stack rm demo",
      "stack init demo",
      "config set --stack",
      "config set --stack",
      "config set --stack",
      "config set --stack",
      "config set --stack",
      "up --yes --stack",
      "stack output fingerprint",
      "stack export --stack",
      "up --replace --yes",
      "stack output fingerprint",
      "stack output --show-secrets",
    ]);
    const replace = calls.find((c) => c.args[0] === "up" && c.args.includes("--replace"))!;
    expect(replace.args[replace.args.indexOf("--replace") + 1]).toBe("urn:pulumi:demo::quickstart::pulumi-nodejs:dynamic/anton:WebhookSecret::quickstart");
    for (const c of calls.slice(1)) {
      expect(c.backend).toBe(`file://${stateDir}`);
      expect(c.passphrase).toBe(true);
    }

    // Secrets went in through stdin, marked --secret; argv carried none.
    const sets = calls.filter((c) => c.args[0] === "config");
    const secretSets = Object.fromEntries(sets.filter((c) => c.args.includes("--secret")).map((c) => [c.args.at(-1), c.stdin]));
    expect(Object.keys(secretSets).sort()).toEqual(["anton:clientSecret", "anton:dpopPrivateKey"]);
    expect(secretSets["anton:clientSecret"]).toMatch(/^ant_ocs_/);
    expect(secretSets["anton:dpopPrivateKey"]).toContain("-----BEGIN PRIVATE KEY-----");
    const plainKeys = sets.filter((c) => !c.args.includes("--secret")).map((c) => c.args[4]);
    expect(plainKeys).toEqual(["anton:apiUrl", "anton:clientId", "quickstart:webhookId"]);
    const apiUrl = sets.find((c) => c.args[4] === "anton:apiUrl")!.args[5]!;
    expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const argv = JSON.stringify(calls.map((c) => c.args));
    expect(argv).not.toMatch(/ant_ocs_|PRIVATE KEY|whsec_/);

    // Nothing secret printed except by the final step, which says why it prints one.
    const marker = out.indexOf("== pulumi stack output --show-secrets");
    expect(marker).toBeGreaterThan(0);
    const before = out.slice(0, marker);
    const after = out.slice(marker);
    expect(before).not.toMatch(/whsec_|ant_ocs_|PRIVATE KEY/);
    expect(after).toMatch(/throwaway emulator secret/);
    expect(after).toMatch(/secret\s+whsec_[0-9a-f]{64}/);
    expect(out).not.toMatch(/ant_ocs_|PRIVATE KEY/);

    expect(existsSync(path.join(stateDir, "fake-stacks.json"))).toBe(true);

    // The emulator is gone once the demo exits.
    const refused = await new Promise<string>((resolve) => {
      const req = request(`${apiUrl}/v1/webhooks`, (res) => resolve(`status ${res.statusCode}`));
      req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
      req.end();
    });
    expect(refused).toBe("ECONNREFUSED");
  }, 120_000);
});
