/**
 * Builds a receiver from environment variables, so the same code runs in a container, under
 * systemd, or in a test that spawns it.
 */
import { createReceiver, type AntonEvent, type ReceiverServer } from "./receiver";
import { envSecretsSource, fileSecretsSource, SecretsUnavailableError, type FileSecretsSource } from "./secrets";
import { logLine } from "./log-line";

/** Variables read by {@link receiverFromEnv}. */
export const ENV = {
  port: "PORT",
  host: "HOST",
  path: "ANTON_WEBHOOK_PATH",
  secretsJson: "ANTON_WEBHOOK_SECRETS_JSON",
  secretsFile: "ANTON_WEBHOOK_SECRETS_FILE",
  tolerance: "ANTON_WEBHOOK_TOLERANCE_SECONDS",
  previousMaxAge: "ANTON_WEBHOOK_PREVIOUS_MAX_AGE_SECONDS",
} as const;

/** A configured, not yet listening receiver. */
export interface ConfiguredReceiver {
  server: ReceiverServer;
  port: number;
  host: string;
  /** Re-reads the secrets file (SIGHUP). False when secrets come from an environment variable or the file is bad. */
  reload(): boolean;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new SecretsUnavailableError(`${name} must be an integer from ${min} to ${max}.`);
  return value;
}

/**
 * Reads the configuration; throws (with a message naming the variable, never its value) when it
 * is incomplete. Exactly one of `ANTON_WEBHOOK_SECRETS_JSON` and `ANTON_WEBHOOK_SECRETS_FILE` must be set.
 */
export function receiverFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: { log?: (line: string) => void; onEvent?: (event: AntonEvent) => void | Promise<void> } = {},
): ConfiguredReceiver {
  const log = options.log ?? ((line: string) => console.log(line));
  const json = env[ENV.secretsJson];
  const file = env[ENV.secretsFile];
  if (json && file) throw new SecretsUnavailableError(`Set only one of ${ENV.secretsJson} and ${ENV.secretsFile}.`);
  if (!json && !file) throw new SecretsUnavailableError(`Set ${ENV.secretsFile} (a path) or ${ENV.secretsJson} (the JSON itself).`);

  let fileSource: FileSecretsSource | undefined;
  let secrets: ReceiverOptions["secrets"];
  if (file) {
    fileSource = fileSecretsSource(file, {
      onLoad: ({ fingerprint, hasPrevious }) => log(logLine({ outcome: "secrets_loaded", current_fingerprint: fingerprint, has_previous: hasPrevious })),
      onError: (error) => log(logLine({ outcome: "secrets_error", message: error.message.replace(/\s+/g, "_") })),
    });
    // Fail fast at start-up rather than answering 503 forever.
    fileSource.get();
    secrets = fileSource.get;
  } else {
    secrets = envSecretsSource(ENV.secretsJson, env);
  }

  const server = createReceiver({
    secrets,
    log,
    onEvent: options.onEvent ?? ((event) => log(logLine({ outcome: "processed", event_id: event.id, event_type: event.type }))),
    toleranceSeconds: intFrom(env, ENV.tolerance, 300, 0, 3600),
    previousSecretMaxAgeSeconds: env[ENV.previousMaxAge] ? intFrom(env, ENV.previousMaxAge, 0, 0, 90 * 86_400) : undefined,
    path: env[ENV.path] || undefined,
  });
  return {
    server,
    port: intFrom(env, ENV.port, 8080, 0, 65535),
    host: env[ENV.host] || "127.0.0.1",
    reload: () => (fileSource ? fileSource.reload() : false),
  };
}

type ReceiverOptions = Parameters<typeof createReceiver>[0];
