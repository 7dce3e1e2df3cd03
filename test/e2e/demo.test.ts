/**
 * `npm run demo` with the real CLI: up (1 rotation), up --replace (2), then the outputs. The CLI is
 * reached through a `pulumi` wrapper first on PATH that logs its arguments, to prove the demo never
 * puts a secret on a command line.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDemo } from "../support/run-demo";
import { cliBin } from "../support/engine";
import "./support"; // selects the pinned CLI

const scratch = mkdtempSync(path.join(tmpdir(), "anton-demo-e2e-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));


describe("npm run demo with the real Pulumi CLI", () => {
  it("rotates on up and on up --replace, prints a secret only in the last step, and stops the emulator", async () => {
    const bin = path.join(scratch, "bin");
    const argvLog = path.join(scratch, "argv.log");
    mkdirSync(bin);
    writeFileSync(path.join(bin, "pulumi"), `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${path.join(cliBin(), "pulumi")}' "$@"\n`);
    chmodSync(path.join(bin, "pulumi"), 0o755);
    const stateDir = path.join(scratch, "state");
    const result = await runDemo({
      ...process.env,
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
      PULUMI_HOME: path.join(scratch, "home"),
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      ANTON_DEMO_STATE_DIR: stateDir,
      ANTON_DEMO_SKIP_BUILD: "1", // npm run test:e2e has just built dist/
    }, 170_000);
    expect(result.stderr).not.toMatch(/error|failed/i);
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^demo: Pulumi CLI v\d+\.\d+\.\d+ \(pulumi on PATH\)/);
    expect(out).toMatch(/after up: rotations 1 \(expected 1\), fingerprint [0-9a-f]{16}\n/);
    expect(out).toMatch(/after up --replace: rotations 2 \(expected 2\), fingerprint [0-9a-f]{16}\n/);
    const [fp1, fp2] = [...out.matchAll(/fingerprint ([0-9a-f]{16})\n/g)].map((m) => m[1]);
    expect(fp1).not.toBe(fp2);
    expect(out.trimEnd().split("\n").at(-1)).toBe(`demo: OK: 2 rotations (up: 1, up --replace: 2); fingerprint ${fp1} -> ${fp2}; stack demo kept in ${stateDir}/ (delete the folder to discard it)`);

    // Secrets went in through stdin, marked --secret; no command line carried one.
    const argv = readFileSync(argvLog, "utf8");
    expect(argv).toMatch(/^config set --stack demo --secret anton:clientSecret$/m);
    expect(argv).toMatch(/^config set --stack demo --secret anton:dpopPrivateKey$/m);
    expect(argv).not.toMatch(/ant_ocs_|PRIVATE KEY|whsec_/);

    // Nothing secret printed before the step that says it prints one.
    const marker = out.indexOf("== pulumi stack output --show-secrets");
    expect(marker).toBeGreaterThan(0);
    expect(out.slice(0, marker)).not.toMatch(/whsec_|ant_ocs_|PRIVATE KEY/);
    expect(out.slice(marker)).toMatch(/throwaway emulator secret/);
    expect(out.slice(marker)).toMatch(/secret\s+whsec_[0-9a-f]{64}/);
    expect(out).not.toMatch(/ant_ocs_|PRIVATE KEY/);

    // The emulator is gone once the demo exits.
    const apiUrl = /emulator on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const refused = await new Promise<string>((resolve) => {
      const req = request(`${apiUrl}/v1/webhooks`, (res) => resolve(`status ${res.statusCode}`));
      req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
      req.end();
    });
    expect(refused).toBe("ECONNREFUSED");
  });
});
