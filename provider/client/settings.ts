/**
 * The settings table: each client setting's Pulumi config key, environment variables, credential flag, how a
 * raw config/env string becomes an option value, and the rule that value must meet. Option resolution, error
 * labels, the provider's config snapshot and the README's configuration table (test/examples/readme.test.ts)
 * all read it from here.
 */
import { AntonConfigError } from "./errors";
import { apiUrlProblem } from "./url";

/** One row of {@link SETTINGS}. */
export interface Setting {
  /** Pulumi config key, in the `anton` namespace. */
  readonly configKey: `anton:${string}`;
  /** Environment variables read when the config key is unset, in order of precedence. */
  readonly envVars: readonly string[];
  /** A credential: set with `pulumi config set --secret`, never shown. */
  readonly secret: boolean;
  /** How errors name the setting when it came from config or the environment (default: key and variables). */
  readonly label?: string;
}

export const SETTINGS = {
  apiUrl: {
    configKey: "anton:apiUrl",
    envVars: ["ANTON_API_URL"],
    secret: false,
    label: "anton:apiUrl / anton:environment (or ANTON_API_URL / ANTON_ENVIRONMENT)",
  },
  environment: { configKey: "anton:environment", envVars: ["ANTON_ENVIRONMENT"], secret: false },
  clientId: { configKey: "anton:clientId", envVars: ["ANTON_CLIENT_ID"], secret: false },
  clientSecret: { configKey: "anton:clientSecret", envVars: ["ANTON_CLIENT_SECRET"], secret: true },
  dpopPrivateKey: { configKey: "anton:dpopPrivateKey", envVars: ["ANTON_DPOP_PRIVATE_KEY", "ANTON_DPOP_PRIVATE_KEY_FILE"], secret: true },
  dpopAlg: { configKey: "anton:dpopAlg", envVars: ["ANTON_DPOP_ALG"], secret: false },
  maxConcurrency: { configKey: "anton:maxConcurrency", envVars: ["ANTON_MAX_CONCURRENCY"], secret: false },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
/** A fully qualified config key the provider reads. */
export type ConfigKey = (typeof SETTINGS)[SettingName]["configKey"];

/** Every config key, in table order. */
export const CONFIG_KEYS: readonly ConfigKey[] = Object.values(SETTINGS).map((s) => s.configKey);
/** Every environment variable, in table order. */
export const ENV_VARS: readonly string[] = Object.values(SETTINGS).flatMap((s) => s.envVars);

/** `anton:clientId (or ANTON_CLIENT_ID)`: how an error names a setting read from config or the environment. */
export function settingLabel(name: SettingName): string {
  const s: Setting = SETTINGS[name];
  return s.label ?? `${s.configKey} (or ${s.envVars.join(" or ")})`;
}

/** What to run when a setting is missing; a credential is never put on the command line (it would land in shell history). */
export function setCommand(name: SettingName): string {
  const s: Setting = SETTINGS[name];
  return s.secret ? `pulumi config set --secret ${s.configKey}` : `pulumi config set ${s.configKey} <value>`;
}

// ------------------------------------------------------------------ rules: one per option, named by `field`

/** The API origin, from a URL that must be https (http only on loopback) with no path, query or credentials. */
export function checkApiUrl(value: unknown, field: string, environments: Readonly<Record<string, string>>): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new AntonConfigError(field, "missing_config", `${field} is not set. Use ${environments.production} (production) or ${environments.sandbox} (sandbox).`);
  }
  const problem = apiUrlProblem(value.trim());
  if (problem) throw new AntonConfigError(field, "invalid_config", `${field} ${problem}.`);
  return new URL(value.trim()).origin;
}

/** A client id or secret: set, used verbatim (whitespace is a copy/paste accident, reported rather than trimmed). */
export function checkCredential(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new AntonConfigError(field, "missing_config", `${field} is not set. Copy it from the credential in the Anton merchant portal.`);
  }
  if (value !== value.trim()) {
    throw new AntonConfigError(field, "invalid_config", `${field} has leading or trailing whitespace; remove it (values are used verbatim).`);
  }
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw new AntonConfigError(field, "invalid_config", `${field} contains control characters.`);
  return value;
}

/** Max in-flight requests: an integer from 1 to 256, default 16. */
export function checkMaxConcurrency(value: unknown, field: string): number {
  const n = value ?? 16;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 256) {
    throw new AntonConfigError(field, "invalid_config", `${field} must be an integer from 1 to 256 (default 16).`);
  }
  return n;
}

/** A config/env string as `maxConcurrency`: digits only, else NaN (which {@link checkMaxConcurrency} refuses, naming the setting). */
export function parseMaxConcurrency(raw: string): number {
  return /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
}

/** `production` / `sandbox` (any case) as its API URL; `where` names the setting it came from. */
export function parseEnvironment(raw: string, where: string, environments: Readonly<Record<string, string>>): string {
  const url = environments[raw.trim().toLowerCase()];
  if (!url) {
    throw new AntonConfigError(where, "invalid_config", `${where} must be "production" or "sandbox" (got an unknown value); or set anton:apiUrl / ANTON_API_URL to a URL.`);
  }
  return url;
}
