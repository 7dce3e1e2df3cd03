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
import { CONFIG_KEYS, ENV_VARS, type ConfigKey } from "../client/settings";

/** The fully qualified stack config keys the provider reads (the engine sends the whole namespaced config). */
export { CONFIG_KEYS };

/** A frozen copy of the Anton keys of the stack config; empty when `configure()` never ran. */
export type ConfigSnapshot = Readonly<Partial<Record<ConfigKey, string>>>;

/** Copies the Anton keys out of a dynamic-provider config object. */
export function snapshotConfig(config: { get(key: string): string | undefined }): ConfigSnapshot {
  const out: Partial<Record<ConfigKey, string>> = {};
  for (const key of CONFIG_KEYS) {
    const value = config.get(key);
    if (typeof value === "string" && value !== "") out[key] = value;
  }
  return Object.freeze(out);
}

/** Resolved options by where they came from: resolving reads the key file and parses the key. */
const optionsBySource = new Map<string, AntonClientOptions>();
/** Clients by credential set. Resolved options are validated once (see validateOptions), so fingerprinting them is a hash. */
const clientByCredentials = new Map<string, AntonClient>();

// Keyed by a hash so the cache keys themselves hold no credential.
function sourceKey(config: ConfigSnapshot, env: NodeJS.ProcessEnv): string {
  const hash = createHash("sha256");
  for (const key of CONFIG_KEYS) hash.update(`${key}=${config[key] ?? ""}\0`);
  for (const key of ENV_VARS) hash.update(`${key}=${env[key] ?? ""}\0`);
  return hash.digest("hex");
}

/**
 * Resolves (and validates) client options from config with the environment as fallback.
 * Throws `AntonConfigError` naming the config key and environment variable to fix. No network.
 */
export function optionsFor(config: ConfigSnapshot, env: NodeJS.ProcessEnv): AntonClientOptions {
  const key = sourceKey(config, env);
  let options = optionsBySource.get(key);
  if (!options) {
    options = resolveClientOptions({ config: (k) => config[k as ConfigKey], env });
    optionsBySource.set(key, options);
  }
  return options;
}

/** The shared client for these credentials; constructing one validates the key but makes no request. */
export function clientFor(options: AntonClientOptions): AntonClient {
  const key = credentialFingerprint(options);
  let client = clientByCredentials.get(key);
  if (!client) {
    client = new AntonClient(options);
    clientByCredentials.set(key, client);
  }
  return client;
}

/** Closes and forgets every cached client (tests and benchmarks). */
export async function closeClients(): Promise<void> {
  const clients = [...clientByCredentials.values()];
  clientByCredentials.clear();
  optionsBySource.clear();
  await Promise.all(clients.map((c) => c.close()));
}
