/**
 * Where the receiver gets its signing secrets: the JSON document the AWS Secrets Manager example
 * stores (`{current, previous, rotatedAt, fingerprint}`), from an environment variable or a file.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** The secrets a receiver accepts: the current one, and the previous one during a cutover. */
export interface WebhookSecrets {
  /** The subscription's current signing secret (`whsec_...`). */
  readonly current: string;
  /** The secret before the last rotation; absent (or empty) once it has been dropped. */
  readonly previous?: string;
  /**
   * When `current` replaced `previous` (ISO 8601, the document's `rotatedAt`); kept only alongside
   * `previous`, since its one use is ageing `previous` out (`previousSecretMaxAgeSeconds`).
   */
  readonly rotatedAt?: string;
}

/** Raised when no usable secrets are available; the message never contains a secret. */
export class SecretsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretsUnavailableError";
  }
}

/** First 16 hex characters of SHA-256: the same fingerprint `AntonWebhookSecret` outputs. */
export function secretFingerprint(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 16);
}

function checkSecretField(value: unknown, field: string, source: string, required: boolean): string | undefined {
  if (value === undefined || value === null || value === "") {
    if (required) throw new SecretsUnavailableError(`${source}: "${field}" is missing or empty.`);
    return undefined;
  }
  if (typeof value !== "string") throw new SecretsUnavailableError(`${source}: "${field}" must be a string.`);
  // Whitespace would change the HMAC key; refuse rather than guess (a stray newline is the usual cause).
  if (value.trim() !== value || value.length === 0) {
    throw new SecretsUnavailableError(`${source}: "${field}" has leading or trailing whitespace; store the secret exactly.`);
  }
  return value;
}

/**
 * Parses and checks the secrets document. `fingerprint`, when present, must match `current`,
 * which catches a document assembled from two different rotations.
 *
 * @param text - JSON `{current, previous?, rotatedAt?, fingerprint?}`.
 * @param source - names the origin in error messages (e.g. the variable or file name); never a value.
 */
export function parseSecretsJson(text: string, source: string): WebhookSecrets {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // JSON.parse messages quote the input, which is a secret: say nothing about it.
    throw new SecretsUnavailableError(`${source}: not valid JSON; expected {"current": "whsec_...", "previous": "whsec_..." | ""}.`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new SecretsUnavailableError(`${source}: expected a JSON object {"current", "previous", "rotatedAt", "fingerprint"}.`);
  }
  const record = doc as Record<string, unknown>;
  const current = checkSecretField(record.current, "current", source, true)!;
  const previous = checkSecretField(record.previous, "previous", source, false);
  const fingerprint = record.fingerprint;
  if (typeof fingerprint === "string" && fingerprint !== "" && fingerprint !== secretFingerprint(current)) {
    throw new SecretsUnavailableError(`${source}: "fingerprint" does not match "current"; the document mixes two rotations.`);
  }
  if (previous === undefined || previous === current) return { current };
  const rotatedAt = record.rotatedAt;
  if (rotatedAt === undefined || rotatedAt === null || rotatedAt === "") return { current, previous };
  if (typeof rotatedAt !== "string" || Number.isNaN(Date.parse(rotatedAt))) {
    throw new SecretsUnavailableError(`${source}: "rotatedAt" must be an ISO 8601 time.`);
  }
  return { current, previous, rotatedAt };
}

/** Secrets parsed once from an environment variable (restart, or use a file, to change them). */
export function envSecretsSource(name: string, env: NodeJS.ProcessEnv = process.env): () => WebhookSecrets {
  const text = env[name];
  if (text === undefined || text.trim() === "") throw new SecretsUnavailableError(`${name} is not set.`);
  const secrets = parseSecretsJson(text, name);
  return () => secrets;
}

/** A secrets file, re-read when it changes and on demand. */
export interface FileSecretsSource {
  /** The latest good secrets; picks up a changed file first. */
  get(): WebhookSecrets;
  /** Re-reads now (e.g. on SIGHUP). Returns true if the file parsed; on failure the last good secrets stay in use. */
  reload(): boolean;
}

/** Options for {@link fileSecretsSource}. */
export interface FileSecretsOptions {
  /** Told, without values, when new secrets were loaded. */
  onLoad?: (info: { fingerprint: string; hasPrevious: boolean }) => void;
  /** Told when a read failed; the last good secrets stay in use. */
  onError?: (error: SecretsUnavailableError) => void;
}

/**
 * Reads `{current, previous, ...}` from `path`. Every `get()` reads the file (a few hundred bytes)
 * and parses it again only when its text changed: comparing content rather than modification times
 * catches rewrites that land within one timestamp tick. A half-written or broken file never
 * replaces good secrets, but write the file atomically anyway (a temporary file, then rename).
 */
export function fileSecretsSource(path: string, options: FileSecretsOptions = {}): FileSecretsSource {
  let secrets: WebhookSecrets | undefined;
  // What was last seen on disk: the text, or the read error code. Errors are reported once per change.
  let seen: string | undefined;
  let lastError: SecretsUnavailableError | undefined;
  const source = "secrets file";

  const fail = (error: SecretsUnavailableError): false => {
    lastError = error;
    options.onError?.(error);
    return false;
  };

  const load = (force: boolean): boolean => {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "error";
      if (!force && seen === `\0${code}`) return false;
      seen = `\0${code}`;
      return fail(new SecretsUnavailableError(`${source}: cannot be read (${code}).`));
    }
    if (!force && text === seen) return lastError === undefined;
    seen = text;
    try {
      secrets = parseSecretsJson(text, source);
    } catch (error) {
      return fail(error instanceof SecretsUnavailableError ? error : new SecretsUnavailableError(`${source}: unreadable.`));
    }
    lastError = undefined;
    options.onLoad?.({ fingerprint: secretFingerprint(secrets.current), hasPrevious: secrets.previous !== undefined });
    return true;
  };

  return {
    get() {
      load(false);
      if (!secrets) throw lastError ?? new SecretsUnavailableError(`${source}: no secrets loaded.`);
      return secrets;
    },
    reload: () => load(true),
  };
}
