/**
 * Client options: the public options type and its synchronous validation (the
 * per-setting rules live in the settings table, ./settings).
 */
import { createHash, type KeyObject } from "node:crypto";
import { setTimeout as wait } from "node:timers/promises";
import type { Dispatcher } from "undici";
import { AntonConfigError } from "./errors";
import { importDpopKey, type DpopAlg, type DpopKey } from "./keys";
import { DEFAULT_RETRY, type RetrySettings } from "./retry";
import type { Timeouts } from "./http";
import { reveal, type Secret } from "./secret";
import { checkApiUrl, checkCredential, checkMaxConcurrency } from "./settings";
import { CLIENT_VERSION } from "./version";

/** Anton's public API base URLs. */
export const ANTON_ENVIRONMENTS = Object.freeze({
  production: "https://api.antonpayments.com",
  sandbox: "https://api.antonpayments.dev",
} as const);

/** Fields whose names can be customised in error messages via `sources`. */
export type SourcedField = "apiUrl" | "clientId" | "clientSecret" | "dpopPrivateKey" | "dpopAlg" | "maxConcurrency";

/** Options for {@link AntonClient}. */
export interface AntonClientOptions {
  /** API origin, e.g. `https://api.antonpayments.com` (see {@link ANTON_ENVIRONMENTS}). `http:` only for loopback. */
  apiUrl: string;
  /** OAuth client id (`ant_oc_<env>_<32hex>`). */
  clientId: string;
  /** OAuth client secret (`ant_ocs_<env>_<48hex>`), as a string or wrapped in a {@link Secret}. Used verbatim: no trimming. */
  clientSecret: string | Secret;
  /**
   * The DPoP private key registered with the credential: PKCS#8 PEM, a private JWK (object or JSON string), a
   * KeyObject, or a PEM/JWK string wrapped in a {@link Secret}.
   */
  dpopPrivateKey: string | Record<string, unknown> | KeyObject | Secret;
  /** Signing algorithm; default derived from the key (P-256 → ES256, Ed25519 → EdDSA). "Ed25519" is the fully specified name. */
  dpopAlg?: DpopAlg;
  /** Retry budget per logical call. Defaults: 5 attempts, 60 s, 200 ms base, 10 s max delay. */
  retry?: { maxAttempts?: number; maxElapsedMs?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Transport timeouts. Defaults: connect 10 s, headers 30 s, body 30 s. */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Max in-flight HTTP requests per client, integer 1..256, default 16 (Anton allows ~17 req/s per merchant). */
  maxConcurrency?: number;
  /** Default `pulumi-anton/<version>`. */
  userAgent?: string;
  /** Clock in milliseconds (tests). */
  now?: () => number;
  /**
   * Sleep used between retries and for rate-limit pauses (tests). `signal` is aborted when the wait is no
   * longer needed (the client closed, the caller aborted, no call is waiting); the default then rejects at once.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** How to name each field in errors, e.g. `anton:clientSecret (or ANTON_CLIENT_SECRET)`. Default: the option name. */
  sources?: Partial<Record<SourcedField, string>>;
  /**
   * Advanced: an undici dispatcher to send requests through (e.g. a ProxyAgent,
   * or a MockAgent in tests). The client does not close it. You are then
   * responsible for its TLS settings.
   */
  dispatcher?: Dispatcher;
}

/** Fully validated options (internal). */
export interface ResolvedOptions {
  origin: string;
  clientId: string;
  clientSecret: string;
  key: DpopKey;
  retry: RetrySettings;
  timeouts: Timeouts;
  maxConcurrency: number;
  userAgent: string;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  names: Record<SourcedField, string>;
  dispatcher?: Dispatcher;
}

/**
 * A ref'd timer: a call waiting to retry must keep a standalone script alive until it settles (an unref'd one let
 * `node job.js` exit 0 mid-call). Waits are aborted as soon as nobody needs them, so an idle or closed client holds
 * no timer.
 */
const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> => wait(ms, undefined, { signal });

/**
 * Validated options by options object. Only frozen objects are cached (those {@link resolveClientOptions} returns):
 * they cannot change after validation, so resolving, fingerprinting and constructing a client validate once.
 */
const validated = new WeakMap<AntonClientOptions, ResolvedOptions>();

/** Validates options synchronously (each frozen options object once); throws {@link AntonConfigError}. */
export function validateOptions(o: AntonClientOptions): ResolvedOptions {
  if (!o || typeof o !== "object") throw new AntonConfigError("options", "missing_config", "AntonClient options are required.");
  const known = validated.get(o);
  if (known) return known;
  const names: Record<SourcedField, string> = {
    apiUrl: o.sources?.apiUrl ?? "apiUrl",
    clientId: o.sources?.clientId ?? "clientId",
    clientSecret: o.sources?.clientSecret ?? "clientSecret",
    dpopPrivateKey: o.sources?.dpopPrivateKey ?? "dpopPrivateKey",
    dpopAlg: o.sources?.dpopAlg ?? "dpopAlg",
    maxConcurrency: o.sources?.maxConcurrency ?? "maxConcurrency",
  };
  const origin = checkApiUrl(o.apiUrl, names.apiUrl, ANTON_ENVIRONMENTS);
  const clientId = checkCredential(o.clientId, names.clientId);
  const clientSecret = checkCredential(reveal(o.clientSecret), names.clientSecret);
  const key = importDpopKey(reveal(o.dpopPrivateKey), o.dpopAlg, names.dpopPrivateKey, names.dpopAlg);
  const maxConcurrency = checkMaxConcurrency(o.maxConcurrency, names.maxConcurrency);

  const retry: RetrySettings = { ...DEFAULT_RETRY };
  for (const k of Object.keys(DEFAULT_RETRY) as Array<keyof RetrySettings>) {
    const v = o.retry?.[k];
    if (v === undefined) continue;
    const min = k === "maxAttempts" ? 1 : 0;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || (k === "maxAttempts" && !Number.isInteger(v))) {
      throw new AntonConfigError(`retry.${k}`, "invalid_config", `retry.${k} must be a finite number ≥ ${min}${k === "maxAttempts" ? " (integer)" : ""}.`);
    }
    retry[k] = v;
  }

  const timeouts: Timeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 };
  for (const k of Object.keys(timeouts) as Array<keyof Timeouts>) {
    const v = o.timeouts?.[k];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new AntonConfigError(`timeouts.${k}`, "invalid_config", `timeouts.${k} must be a positive number of milliseconds.`);
    }
    timeouts[k] = v;
  }

  const userAgent = o.userAgent ?? `pulumi-anton/${CLIENT_VERSION}`;
  if (typeof userAgent !== "string" || !/^[\x20-\x7e]{1,256}$/.test(userAgent)) {
    throw new AntonConfigError("userAgent", "invalid_config", "userAgent must be 1..256 printable ASCII characters.");
  }

  const resolved: ResolvedOptions = {
    origin,
    clientId,
    clientSecret,
    key,
    retry,
    timeouts,
    maxConcurrency,
    userAgent,
    now: o.now ?? Date.now,
    sleep: o.sleep ?? defaultSleep,
    names,
    dispatcher: o.dispatcher,
  };
  if (Object.isFrozen(o)) validated.set(o, resolved);
  return resolved;
}

/**
 * A stable, non-reversible identifier for a credential set: SHA-256 (hex) over
 * the API origin, client id, client secret and the key's RFC 7638 thumbprint.
 * Use it to cache one client per credential set. Reveals nothing about the inputs.
 */
export function credentialFingerprint(options: AntonClientOptions): string {
  const r = validateOptions(options);
  const h = createHash("sha256");
  for (const part of [r.origin, r.clientId, r.clientSecret, r.key.thumbprint]) {
    // Length-prefix each part so that different splits of the same bytes cannot collide.
    h.update(`${Buffer.byteLength(part)}:`).update(part).update("\n");
  }
  return h.digest("hex");
}
