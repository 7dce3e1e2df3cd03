/**
 * One Anton client per distinct credential set, per process.
 *
 * The dynamic-provider plugin deserializes the provider once per `__provider`
 * string and calls `configure()` each time; every resource of a stack shares the
 * same credentials, so caching here is what makes N resources in one `pulumi up`
 * mint one token instead of N.
 */
import { createHash } from "node:crypto";
import { AntonClient, credentialFingerprint, resolveClientOptions, type AntonClientOptions } from "../client";

/** The fully qualified stack config keys the provider reads (the engine sends the whole namespaced config). */
export const CONFIG_KEYS = [
  "anton:apiUrl",
  "anton:environment",
  "anton:clientId",
  "anton:clientSecret",
  "anton:dpopPrivateKey",
  "anton:dpopAlg",
  "anton:maxConcurrency",
] as const;

/** A frozen copy of the Anton keys of the stack config; empty when `configure()` never ran. */
export type ConfigSnapshot = Readonly<Partial<Record<(typeof CONFIG_KEYS)[number], string>>>;

/** Copies the Anton keys out of a dynamic-provider config object. */
export function snapshotConfig(config: { get(key: string): string | undefined }): ConfigSnapshot {
  const out: Partial<Record<(typeof CONFIG_KEYS)[number], string>> = {};
  for (const key of CONFIG_KEYS) {
    const value = config.get(key);
    if (typeof value === "string" && value !== "") out[key] = value;
  }
  return Object.freeze(out);
}

const ENV_KEYS = [
  "ANTON_API_URL",
  "ANTON_ENVIRONMENT",
  "ANTON_CLIENT_ID",
  "ANTON_CLIENT_SECRET",
  "ANTON_DPOP_PRIVATE_KEY",
  "ANTON_DPOP_PRIVATE_KEY_FILE",
  "ANTON_DPOP_ALG",
  "ANTON_MAX_CONCURRENCY",
];

const optionsCache = new Map<string, AntonClientOptions>();
const clientCache = new Map<string, AntonClient>();
// Check and Create call clientFor once per resource with the same options object (optionsFor caches it).
// Fingerprinting validates and imports the DPoP key, a PEM parse that cost more than the HTTP work of a rotation.
let clientByOptions = new WeakMap<AntonClientOptions, AntonClient>();

// Keyed by a hash so the cache keys themselves hold no credential.
function sourceKey(config: ConfigSnapshot, env: NodeJS.ProcessEnv): string {
  const hash = createHash("sha256");
  for (const key of CONFIG_KEYS) hash.update(`${key}=${config[key] ?? ""}\0`);
  for (const key of ENV_KEYS) hash.update(`${key}=${env[key] ?? ""}\0`);
  return hash.digest("hex");
}

/**
 * Resolves (and validates) client options from config with the environment as fallback.
 * Throws `AntonConfigError` naming the config key and environment variable to fix. No network.
 */
export function optionsFor(config: ConfigSnapshot, env: NodeJS.ProcessEnv): AntonClientOptions {
  const key = sourceKey(config, env);
  let options = optionsCache.get(key);
  if (!options) {
    options = resolveClientOptions({ config: (k) => config[k as keyof ConfigSnapshot], env });
    optionsCache.set(key, options);
  }
  return options;
}

/** The shared client for these credentials; constructing one validates the key but makes no request. */
export function clientFor(options: AntonClientOptions): AntonClient {
  const known = clientByOptions.get(options);
  if (known) return known;
  const key = credentialFingerprint(options);
  let client = clientCache.get(key);
  if (!client) {
    client = new AntonClient(options);
    clientCache.set(key, client);
  }
  clientByOptions.set(options, client);
  return client;
}

/** Closes and forgets every cached client (tests and benchmarks). */
export async function closeClients(): Promise<void> {
  const clients = [...clientCache.values()];
  clientCache.clear();
  optionsCache.clear();
  clientByOptions = new WeakMap();
  await Promise.all(clients.map((c) => c.close()));
}
