import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { MockAgent } from "undici";
import { expect } from "vitest";
import { AntonApiError, AntonClient, type AntonClientOptions } from "../../provider/client";

export function ecKeyPem(): string {
  return generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}
export function edKeyPem(): string {
  return generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}
export function keyPair(kind: "ec" | "ed25519" = "ec"): { privateKey: KeyObject; publicKey: KeyObject } {
  return kind === "ec" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
}

export const MOCK_ORIGIN = "https://api.anton.test";

/** A client wired to a MockAgent (for edge cases real HTTP cannot produce). */
export function mockClient(overrides: Partial<AntonClientOptions> = {}): { client: AntonClient; agent: MockAgent; pool: ReturnType<MockAgent["get"]>; sleeps: number[] } {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const sleeps: number[] = [];
  const client = new AntonClient({
    apiUrl: MOCK_ORIGIN,
    clientId: "ant_oc_sandbox_0123456789abcdef0123456789abcdef",
    clientSecret: "ant_ocs_sandbox_0123456789abcdef0123456789abcdef0123456789abcdef",
    dpopPrivateKey: ecKeyPem(),
    dispatcher: agent,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
  return { client, agent, pool: agent.get(MOCK_ORIGIN), sleeps };
}

export const TOKEN_PATH = "/oauth/token";

export function replyToken(pool: ReturnType<MockAgent["get"]>, token = "tok_" + "a".repeat(32), times = 1): void {
  pool
    .intercept({ path: TOKEN_PATH, method: "POST" })
    .reply(200, { access_token: token, token_type: "DPoP", expires_in: 3600 }, { headers: { "content-type": "application/json" } })
    .times(times);
}

/** Captures everything written to stdout/stderr or the console while `fn` runs (vitest intercepts console separately). */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result: T; output: string }> {
  let output = "";
  const { format } = await import("node:util");
  const out = process.stdout.write;
  const err = process.stderr.write;
  const methods = ["log", "error", "warn", "info", "debug"] as const;
  const saved = methods.map((m) => console[m]);
  const grab = (chunk: unknown) => {
    output += String(chunk);
    return true;
  };
  process.stdout.write = grab as typeof process.stdout.write;
  process.stderr.write = grab as typeof process.stderr.write;
  for (const m of methods) console[m] = (...args: unknown[]) => void (output += format(...args) + "\n");
  try {
    const result = await fn();
    return { result, output };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    methods.forEach((m, i) => (console[m] = saved[i]!));
  }
}

/** Awaits a promise that must reject with an AntonApiError, and returns the error. */
export async function rejection(p: Promise<unknown>): Promise<AntonApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AntonApiError);
    return err as AntonApiError;
  }
  throw new Error("expected rejection");
}
