import type { SecureVersion } from "node:tls";
import type { SignatureScheme } from "./signing";

/** Options for {@link startEmulator}. Every field is optional. */
export interface EmulatorOptions {
  /** Interface to listen on. Default "127.0.0.1". */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Serve HTTPS with this key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer; minVersion?: SecureVersion; maxVersion?: SecureVersion };
  /** Access-token lifetime. Default 3600. */
  tokenTtlSeconds?: number;
  /** Per-merchant rolling window for /v1. Default 1000 per 60 s; `false` disables it. */
  rateLimit?: { limit: number; windowMs: number } | false;
  /** Key type of the demo credentials. Default "ES256". */
  keyAlg?: "ES256" | "Ed25519";
  /** How long a rotated-out secret keeps signing deliveries. Default 0. */
  graceSeconds?: number;
  /** Delivery signature headers: "A" (`X-Webhook-Signature`, default) or "B" (`Anton-Signature`). */
  signatureScheme?: SignatureScheme;
  /** Server clock in ms (iat checks, token expiry, Date header). Default `Date.now`. */
  now?: () => number;
  /** Where to write the demo PKCS#8 key: default a fresh temp folder (removed on close); `false` writes nothing. */
  keyFile?: string | false;
  /** Receives one line per request (method, route pattern, status, request id). Never secrets, tokens or proofs. */
  log?: (line: string) => void;
}

const KEYS = ["host", "port", "tls", "tokenTtlSeconds", "rateLimit", "keyAlg", "graceSeconds", "signatureScheme", "now", "keyFile", "log"];

/** What is wrong with one option; the message names the field and never echoes its value (a TLS key may be in it). */
export class EmulatorOptionError extends TypeError {
  override readonly name = "EmulatorOptionError";
  constructor(
    /** The offending option, e.g. `port` or `rateLimit.limit`. */
    readonly field: string,
    expected: string,
  ) {
    super(`emulator option ${field} must be ${expected}`);
  }
}

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isFiniteAtLeast = (v: unknown, min: number): boolean => typeof v === "number" && Number.isFinite(v) && v >= min;
const isPem = (v: unknown): boolean => typeof v === "string" || Buffer.isBuffer(v);

/** Throws {@link EmulatorOptionError} for the first bad or unknown field; pure, no I/O. */
export function validateEmulatorOptions(options: unknown): EmulatorOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || Array.isArray(options)) throw new EmulatorOptionError("options", "an object");
  const o = options as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !KEYS.includes(k));
  if (unknown !== undefined) throw new EmulatorOptionError(JSON.stringify(unknown).slice(0, 60), `one of ${KEYS.join(", ")} (unknown option)`);
  const check = (field: string, ok: boolean, expected: string) => {
    if (!ok) throw new EmulatorOptionError(field, expected);
  };
  const has = (k: string) => o[k] !== undefined;
  if (has("host")) check("host", typeof o.host === "string" && o.host.length > 0, "a non-empty string");
  if (has("port")) check("port", isInt(o.port, 0, 65535), "an integer from 0 to 65535");
  if (has("tokenTtlSeconds")) check("tokenTtlSeconds", isInt(o.tokenTtlSeconds, 1), "a positive integer");
  if (has("graceSeconds")) check("graceSeconds", isFiniteAtLeast(o.graceSeconds, 0), "a number of seconds >= 0");
  if (has("keyAlg")) check("keyAlg", o.keyAlg === "ES256" || o.keyAlg === "Ed25519", '"ES256" or "Ed25519"');
  if (has("signatureScheme")) check("signatureScheme", o.signatureScheme === "A" || o.signatureScheme === "B", '"A" or "B"');
  if (has("now")) check("now", typeof o.now === "function", "a function returning epoch milliseconds");
  if (has("log")) check("log", typeof o.log === "function", "a function");
  if (has("keyFile")) check("keyFile", o.keyFile === false || (typeof o.keyFile === "string" && o.keyFile.length > 0), "a file path or false");
  if (has("rateLimit") && o.rateLimit !== false) {
    const r = o.rateLimit as Record<string, unknown> | null;
    check("rateLimit", typeof r === "object" && r !== null, "false or { limit, windowMs }");
    check("rateLimit.limit", isInt(r!.limit, 1), "a positive integer");
    check("rateLimit.windowMs", isInt(r!.windowMs, 1), "a positive integer of milliseconds");
  }
  if (has("tls")) {
    const t = o.tls as Record<string, unknown> | null;
    check("tls", typeof t === "object" && t !== null, "{ key, cert } (PEM strings or Buffers)");
    check("tls.key", isPem(t!.key), "a PEM string or Buffer");
    check("tls.cert", isPem(t!.cert), "a PEM string or Buffer");
  }
  return o as EmulatorOptions;
}
