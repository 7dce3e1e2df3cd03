/**
 * Client options: the public options type, synchronous validation, and
 * resolution from Pulumi config with environment-variable fallback.
 */
import { createHash, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as wait } from "node:timers/promises";
import type { Dispatcher } from "undici";
import { AntonConfigError } from "./errors";
import { importDpopKey, type DpopAlg, type DpopKey } from "./keys";
import { DEFAULT_RETRY, type RetrySettings } from "./retry";
import type { Timeouts } from "./http";
import { apiUrlProblem } from "./url";
import { reveal, Secret } from "./secret";
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

/** Validates options synchronously; throws {@link AntonConfigError}. */
export function validateOptions(o: AntonClientOptions): ResolvedOptions {
  if (!o || typeof o !== "object") throw new AntonConfigError("options", "missing_config", "AntonClient options are required.");
  const names: Record<SourcedField, string> = {
    apiUrl: o.sources?.apiUrl ?? "apiUrl",
    clientId: o.sources?.clientId ?? "clientId",
    clientSecret: o.sources?.clientSecret ?? "clientSecret",
    dpopPrivateKey: o.sources?.dpopPrivateKey ?? "dpopPrivateKey",
    dpopAlg: o.sources?.dpopAlg ?? "dpopAlg",
    maxConcurrency: o.sources?.maxConcurrency ?? "maxConcurrency",
  };

  if (typeof o.apiUrl !== "string" || o.apiUrl.trim() === "") {
    throw new AntonConfigError(names.apiUrl, "missing_config", `${names.apiUrl} is not set. Use ${ANTON_ENVIRONMENTS.production} (production) or ${ANTON_ENVIRONMENTS.sandbox} (sandbox).`);
  }
  const problem = apiUrlProblem(o.apiUrl.trim());
  if (problem) throw new AntonConfigError(names.apiUrl, "invalid_config", `${names.apiUrl} ${problem}.`);
  const origin = new URL(o.apiUrl.trim()).origin;

  const clientSecret = reveal(o.clientSecret);
  for (const [f, v] of [["clientId", o.clientId], ["clientSecret", clientSecret]] as const) {
    if (typeof v !== "string" || v.trim() === "") {
      throw new AntonConfigError(names[f], "missing_config", `${names[f]} is not set. Copy it from the credential in the Anton merchant portal.`);
    }
    // Secrets are used verbatim; surrounding whitespace is almost always a copy/paste accident, so say so instead of trimming.
    if (v !== v.trim()) {
      throw new AntonConfigError(names[f], "invalid_config", `${names[f]} has leading or trailing whitespace; remove it (values are used verbatim).`);
    }
    if ([...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw new AntonConfigError(names[f], "invalid_config", `${names[f]} contains control characters.`);
  }

  const key = importDpopKey(reveal(o.dpopPrivateKey), o.dpopAlg, names.dpopPrivateKey, names.dpopAlg);

  const maxConcurrency = o.maxConcurrency ?? 16;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 256) {
    throw new AntonConfigError(names.maxConcurrency, "invalid_config", `${names.maxConcurrency} must be an integer from 1 to 256 (default 16).`);
  }

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

  return {
    origin,
    clientId: o.clientId,
    clientSecret: clientSecret as string,
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

/** Where {@link resolveClientOptions} reads settings from. */
export interface OptionSource {
  /** Reads a fully-qualified Pulumi config key such as `anton:clientId`. */
  config?: (key: string) => string | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * Resolves options from Pulumi config (`anton:apiUrl`, `anton:environment`,
 * `anton:clientId`, `anton:clientSecret`, `anton:dpopPrivateKey`,
 * `anton:dpopAlg`, `anton:maxConcurrency`) with environment variables as the
 * fallback (`ANTON_API_URL` or `ANTON_ENVIRONMENT=production|sandbox`,
 * `ANTON_CLIENT_ID`, `ANTON_CLIENT_SECRET`, `ANTON_DPOP_PRIVATE_KEY` (PEM or
 * JWK JSON) or `ANTON_DPOP_PRIVATE_KEY_FILE`, `ANTON_DPOP_ALG`,
 * `ANTON_MAX_CONCURRENCY`). Config wins over env. Errors name both the config
 * key and the env var. No I/O except reading the key file. The returned
 * options are validated (a bad key fails here, not at first use). The client
 * secret and the private key come back wrapped in {@link Secret}, so the
 * options can be logged, inspected, serialized or spread without showing them.
 */
export function resolveClientOptions(source: OptionSource): AntonClientOptions {
  const env = source.env ?? {};
  const cfg = (k: string): string | undefined => {
    const v = source.config?.(`anton:${k}`);
    return v === undefined || v === null || v === "" ? undefined : v;
  };
  const ev = (k: string): string | undefined => {
    const v = env[k];
    return v === undefined || v === "" ? undefined : v;
  };
  const both = (key: string, envVar: string) => `anton:${key} (or ${envVar})`;

  const sources: Record<SourcedField, string> = {
    apiUrl: `anton:apiUrl / anton:environment (or ANTON_API_URL / ANTON_ENVIRONMENT)`,
    clientId: both("clientId", "ANTON_CLIENT_ID"),
    clientSecret: both("clientSecret", "ANTON_CLIENT_SECRET"),
    dpopPrivateKey: both("dpopPrivateKey", "ANTON_DPOP_PRIVATE_KEY or ANTON_DPOP_PRIVATE_KEY_FILE"),
    dpopAlg: both("dpopAlg", "ANTON_DPOP_ALG"),
    maxConcurrency: both("maxConcurrency", "ANTON_MAX_CONCURRENCY"),
  };

  // apiUrl: an explicit URL beats an environment name at the same level; config beats env.
  let apiUrl: string | undefined;
  const fromEnvName = (name: string, where: string): string => {
    const url = (ANTON_ENVIRONMENTS as Record<string, string>)[name.trim().toLowerCase()];
    if (!url) {
      throw new AntonConfigError(where, "invalid_config", `${where} must be "production" or "sandbox" (got an unknown value); or set anton:apiUrl / ANTON_API_URL to a URL.`);
    }
    return url;
  };
  const cUrl = cfg("apiUrl");
  const cEnv = cfg("environment");
  if (cUrl !== undefined) apiUrl = cUrl;
  else if (cEnv !== undefined) apiUrl = fromEnvName(cEnv, "anton:environment");
  else if (ev("ANTON_API_URL") !== undefined) apiUrl = ev("ANTON_API_URL");
  else if (ev("ANTON_ENVIRONMENT") !== undefined) apiUrl = fromEnvName(ev("ANTON_ENVIRONMENT")!, "ANTON_ENVIRONMENT");
  if (apiUrl === undefined) {
    throw new AntonConfigError(
      sources.apiUrl,
      "missing_config",
      `The Anton API endpoint is not configured. Set anton:environment to "sandbox" or "production" (pulumi config set anton:environment sandbox), or ANTON_ENVIRONMENT; or give a URL with anton:apiUrl / ANTON_API_URL.`,
    );
  }

  const clientId = cfg("clientId") ?? ev("ANTON_CLIENT_ID");
  const clientSecret = cfg("clientSecret") ?? ev("ANTON_CLIENT_SECRET");
  for (const [value, key, envVar, isSecret] of [
    [clientId, "clientId", "ANTON_CLIENT_ID", false],
    [clientSecret, "clientSecret", "ANTON_CLIENT_SECRET", true],
  ] as const) {
    if (value === undefined || value.trim() === "") {
      throw new AntonConfigError(
        both(key, envVar),
        "missing_config",
        // A secret typed on the command line lands in shell history: the prompting form reads it from the terminal.
        isSecret
          ? `${both(key, envVar)} is not set. Run \`pulumi config set --secret anton:${key}\` (it prompts for the value, keeping it out of shell history) or export ${envVar}.`
          : `${both(key, envVar)} is not set. Run \`pulumi config set anton:${key} <value>\` or export ${envVar}.`,
      );
    }
  }

  let dpopPrivateKey = cfg("dpopPrivateKey") ?? ev("ANTON_DPOP_PRIVATE_KEY");
  const keyFile = ev("ANTON_DPOP_PRIVATE_KEY_FILE");
  if (dpopPrivateKey === undefined && keyFile !== undefined) {
    try {
      dpopPrivateKey = readFileSync(keyFile, "utf8");
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? "error");
      throw new AntonConfigError("ANTON_DPOP_PRIVATE_KEY_FILE", "invalid_config", `ANTON_DPOP_PRIVATE_KEY_FILE could not be read (${code}); check the path and its permissions.`);
    }
    sources.dpopPrivateKey = "ANTON_DPOP_PRIVATE_KEY_FILE";
  } else if (dpopPrivateKey !== undefined && cfg("dpopPrivateKey") === undefined && keyFile !== undefined) {
    throw new AntonConfigError(sources.dpopPrivateKey, "invalid_config", "Both ANTON_DPOP_PRIVATE_KEY and ANTON_DPOP_PRIVATE_KEY_FILE are set; set only one.");
  }
  if (dpopPrivateKey === undefined) {
    throw new AntonConfigError(
      sources.dpopPrivateKey,
      "missing_config",
      `${sources.dpopPrivateKey} is not set. Run \`pulumi config set --secret anton:dpopPrivateKey < key.pem\`, or export ANTON_DPOP_PRIVATE_KEY_FILE=/path/to/key.pem.`,
    );
  }

  const dpopAlgRaw = cfg("dpopAlg") ?? ev("ANTON_DPOP_ALG");
  const mcRaw = cfg("maxConcurrency") ?? ev("ANTON_MAX_CONCURRENCY");
  let maxConcurrency: number | undefined;
  if (mcRaw !== undefined) {
    maxConcurrency = /^\s*\d+\s*$/.test(mcRaw) ? Number(mcRaw) : NaN;
  }

  const options: AntonClientOptions = {
    apiUrl,
    clientId: clientId!,
    clientSecret: new Secret(clientSecret!),
    dpopPrivateKey: new Secret(dpopPrivateKey),
    ...(dpopAlgRaw !== undefined ? { dpopAlg: dpopAlgRaw as DpopAlg } : {}),
    ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
    sources,
  };
  validateOptions(options);
  return options;
}
