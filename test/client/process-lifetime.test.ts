/**
 * A standalone AntonClient job in its own process (the test runner keeps its own loop alive and would hide this):
 * a call waiting to retry keeps the process alive until it settles, and a client with nothing pending lets the
 * process exit by itself.
 */
import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../provider/emulator";
import { ROTATE } from "../support/anton";

const root = path.resolve(__dirname, "..", "..");
const child = path.join(__dirname, "lifetime-child.cjs");
/** Far beyond any run here; a child still alive then is killed, and the test reports it as hung. */
const HANG_MS = 25_000;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runJob(scenario: string, env: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child], {
      cwd: root,
      env: { PATH: process.env.PATH, SCENARIO: scenario, ...env },
      timeout: HANG_MS,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    proc.once("error", reject);
    proc.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

let emulator: Emulator;
let limited: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ keyFile: false });
  limited = await startEmulator({ keyFile: false, rateLimit: { limit: 1, windowMs: 120_000 } });
});
afterAll(async () => {
  await emulator?.close();
  await limited?.close();
});

function envFor(e: Emulator, apiUrl = e.url): Record<string, string> {
  return {
    ANTON_API_URL: apiUrl,
    ANTON_CLIENT_ID: e.credentials.clientId,
    ANTON_CLIENT_SECRET: e.credentials.clientSecret,
    ANTON_DPOP_PRIVATE_KEY: e.credentials.dpopPrivateKeyPem,
    WEBHOOK_ID: e.createWebhook().id,
  };
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("a standalone job with a pending call stays alive until the call settles", () => {
  it("connection refused: retries, then rejects with the error printed and exits non-zero", async () => {
    const out = await runJob("rotate", envFor(emulator, `http://127.0.0.1:${await closedPort()}`));
    expect(out.stdout).not.toMatch(/pending/);
    expect(out.signal).toBeNull();
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/rejected: network_error: Anton API POST \/oauth\/token failed at the network level \(ECONNREFUSED\) after 3 attempts/);
  });

  it("always 503: retries, then rejects with the error printed and exits non-zero", async () => {
    emulator.faults.failNext(100, 503, { route: ROTATE });
    try {
      const out = await runJob("rotate", envFor(emulator));
      expect(out.stdout).not.toMatch(/pending/);
      expect(out.signal).toBeNull();
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/rejected: \w+: Anton API POST \/v1\/webhooks\/:id\/secret\/rotate failed after 3 attempts: HTTP 503/);
    } finally {
      emulator.faults.clear();
    }
  });

  it.each([
    ["one 503, then success: rotates on the retry and exits 0", 503, undefined],
    ["429 with Retry-After: waits as told, rotates, exits 0", 429, 1],
  ])("%s", async (_name, status, retryAfterSeconds) => {
    emulator.faults.failNext(1, status, { route: ROTATE, retryAfterSeconds });
    const env = envFor(emulator);
    const out = await runJob("rotate", env);
    expect(out.stdout).not.toMatch(/pending/);
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe("rotated after 2 attempt(s)\n");
    expect(out.code).toBe(0);
    expect(emulator.state.rotations(env.WEBHOOK_ID!)).toBe(1);
  });
});

describe("a client with nothing pending does not hold the process open", () => {
  it("an idle, never-closed client (cached token, keep-alive connection) lets the job exit by itself", async () => {
    const out = await runJob("idle", envFor(emulator));
    expect(out.signal).toBeNull();
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("rotated after 1 attempt(s); client left open\n");
  });

  it("close() during a long Retry-After wait ends the call with client_closed and the job exits", async () => {
    emulator.faults.failNext(1, 429, { route: ROTATE, retryAfterSeconds: 50 });
    try {
      const out = await runJob("close-while-waiting", envFor(emulator));
      expect(out.signal).toBeNull();
      expect(out.stdout).not.toMatch(/pending/);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/rejected: client_closed: The Anton client was closed\./);
    } finally {
      emulator.faults.clear();
    }
  });

  it("a call aborted while the rate pacer holds it for a full window leaves no timer behind", async () => {
    const out = await runJob("abort-while-paused", envFor(limited));
    expect(out.signal).toBeNull();
    expect(out.stdout).not.toMatch(/pending/);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/rejected: aborted: Anton API POST \/v1\/webhooks\/:id\/secret\/rotate was aborted by the caller/);
  });
});
