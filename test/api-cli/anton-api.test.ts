/**
 * `anton-api` as users run it: the built bin in a child process, configured only by ANTON_* variables,
 * against the emulator over real HTTP. Exit codes, redaction and retries are observed from outside.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../provider/emulator";

const BIN = join(__dirname, "..", "..", "dist", "provider", "api-cli", "cli.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function antonApi(args: string[], env: Record<string, string>): Promise<Run> {
  // Only the variables given: nothing from the outer environment configures the call.
  const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...base, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

let emu: Emulator;
let webhookId: string;
beforeAll(async () => {
  emu = await startEmulator({ keyFile: false });
  webhookId = emu.createWebhook().id;
});
afterAll(() => emu.close());
beforeEach(() => emu.faults.clear());

/** Nothing secret in what the command printed: no credential, no webhook secret, no token or proof. */
function expectNoSecrets(run: Run): void {
  const text = run.stdout + run.stderr;
  for (const secret of [emu.credentials.clientSecret, emu.credentials.dpopPrivateKeyPem, emu.state.currentSecret(webhookId)!]) {
    expect(text).not.toContain(secret);
  }
  expect(text).not.toMatch(/whsec_|ant_ocs_|PRIVATE KEY|eyJ/);
}

describe("anton-api", () => {
  it("lists webhooks with a token and a fresh DPoP proof, printing JSON and the status", async () => {
    const minted = emu.state.tokensMinted;
    const run = await antonApi(["GET", "/v1/webhooks"], emu.env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).data.map((w: { id: string }) => w.id)).toContain(webhookId);
    expect(run.stderr).toMatch(/^HTTP 200 \(request id req_\S+, 1 attempt\)$/m);
    expect(emu.state.tokensMinted).toBe(minted + 1);
    expectNoSecrets(run);
  });

  it("redacts a secret in the response unless --show-secrets", async () => {
    const hidden = await antonApi(["GET", `/v1/webhooks/${webhookId}/secret`], emu.env);
    expect(hidden.code).toBe(0);
    expect(JSON.stringify(JSON.parse(hidden.stdout))).toContain("[REDACTED]");
    expectNoSecrets(hidden);
    const shown = await antonApi(["GET", `/v1/webhooks/${webhookId}/secret`, "--show-secrets"], emu.env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(emu.state.currentSecret(webhookId)!);
    expect(shown.stderr).not.toContain(emu.state.currentSecret(webhookId)!);
  });

  it("rotates break-glass once, with an Idempotency-Key that makes a repeat a replay", async () => {
    const before = emu.state.rotations(webhookId);
    const run = await antonApi(["POST", `/v1/webhooks/${webhookId}/secret/rotate`], emu.env);
    expect(run.code).toBe(0);
    expect(emu.state.rotations(webhookId)).toBe(before + 1);
    expectNoSecrets(run);
    const key = /Idempotency-Key (\S+)\)/.exec(run.stderr)![1]!;
    const again = await antonApi(["POST", `/v1/webhooks/${webhookId}/secret/rotate`, "--idempotency-key", key, "--show-secrets"], emu.env);
    expect(again.code).toBe(0);
    expect(emu.state.rotations(webhookId)).toBe(before + 1);
    expect(again.stdout).toContain(emu.state.currentSecret(webhookId)!);
  });

  it("stays alive through a retry: one 503, then the answer", async () => {
    emu.faults.failNext(1, 503, { route: "GET /v1/webhooks/:id", retryAfterSeconds: 1 });
    const run = await antonApi(["GET", `/v1/webhooks/${webhookId}`], emu.env);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/HTTP 200 .*2 attempts/);
    expect(JSON.parse(run.stdout).id).toBe(webhookId);
  });

  it("exits 1 with the API's error for a 404, and 1 when nothing listens", async () => {
    const missing = await antonApi(["GET", "/v1/webhooks/wbh_00000000000000000000000000"], emu.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/404|not_found/);
    expect(missing.stdout).toBe("");
    const down = await antonApi(["GET", "/v1/webhooks"], { ...emu.env, ANTON_API_URL: "http://127.0.0.1:9" });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/anton-api: .*(network|connect|ECONNREFUSED)/i);
    expectNoSecrets(down);
  });

  it.each<[string[], Record<string, string> | undefined, string]>([
    [["DELETE", "/v1/webhooks/x"], undefined, "METHOD must be GET or POST"],
    [["GET", "https://evil.example/v1"], undefined, "PATH must be an API path starting with /v1/"],
    [["GET", "/v1/../oauth/token"], undefined, "PATH must be an API path starting with /v1/"],
    [["GET"], undefined, "expected METHOD and PATH"],
    [["GET", "/v1/webhooks", "--verbose"], undefined, "unknown option"],
    [["GET", "/v1/webhooks", "--idempotency-key", "k"], undefined, "--idempotency-key applies to POST only"],
    [["GET", "/v1/webhooks"], { ANTON_CLIENT_ID: "" }, "ANTON_CLIENT_ID"],
  ])("exits 2 and names the problem: %j", async (args, env, message) => {
    const run = await antonApi(args, { ...emu.env, ...env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain("--verbose");
    expectNoSecrets(run);
  });
});
