/**
 * Client options from Pulumi config with environment-variable fallback, read
 * through the settings table (./settings): config keys, variables, labels.
 */
import { readFileSync } from "node:fs";
import { AntonConfigError } from "./errors";
import type { DpopAlg } from "./keys";
import { ANTON_ENVIRONMENTS, validateOptions, type AntonClientOptions, type SourcedField } from "./options";
import { Secret } from "./secret";
import { parseEnvironment, parseMaxConcurrency, setCommand, settingLabel, SETTINGS, type SettingName } from "./settings";

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
 * options are validated (a bad key fails here, not at first use) and frozen.
 * The client secret and the private key come back wrapped in {@link Secret},
 * so the options can be logged, inspected, serialized or spread without
 * showing them.
 */
export function resolveClientOptions(source: OptionSource): AntonClientOptions {
  const env = source.env ?? {};
  const fromConfig = (name: SettingName): string | undefined => {
    const v = source.config?.(SETTINGS[name].configKey);
    return v === undefined || v === null || v === "" ? undefined : v;
  };
  const fromEnv = (variable: string): string | undefined => {
    const v = env[variable];
    return v === undefined || v === "" ? undefined : v;
  };
  /** Config, else the setting's first environment variable. */
  const read = (name: SettingName): string | undefined => fromConfig(name) ?? fromEnv(SETTINGS[name].envVars[0]);

  const sources: Record<SourcedField, string> = {
    apiUrl: settingLabel("apiUrl"),
    clientId: settingLabel("clientId"),
    clientSecret: settingLabel("clientSecret"),
    dpopPrivateKey: settingLabel("dpopPrivateKey"),
    dpopAlg: settingLabel("dpopAlg"),
    maxConcurrency: settingLabel("maxConcurrency"),
  };

  const apiUrl = resolveApiUrl(fromConfig, fromEnv);
  const clientId = read("clientId");
  const clientSecret = read("clientSecret");
  for (const [value, name] of [
    [clientId, "clientId"],
    [clientSecret, "clientSecret"],
  ] as const) {
    if (value === undefined || value.trim() === "") {
      throw new AntonConfigError(
        sources[name],
        "missing_config",
        SETTINGS[name].secret
          ? `${sources[name]} is not set. Run \`${setCommand(name)}\` (it prompts for the value, keeping it out of shell history) or export ${SETTINGS[name].envVars[0]}.`
          : `${sources[name]} is not set. Run \`${setCommand(name)}\` or export ${SETTINGS[name].envVars[0]}.`,
      );
    }
  }

  const key = resolveKey(fromConfig, fromEnv);
  if (key.file) sources.dpopPrivateKey = "ANTON_DPOP_PRIVATE_KEY_FILE";
  const dpopAlg = read("dpopAlg");
  const maxConcurrency = read("maxConcurrency");

  const options: AntonClientOptions = Object.freeze({
    apiUrl,
    clientId: clientId!,
    clientSecret: new Secret(clientSecret!),
    dpopPrivateKey: new Secret(key.value),
    ...(dpopAlg !== undefined ? { dpopAlg: dpopAlg as DpopAlg } : {}),
    ...(maxConcurrency !== undefined ? { maxConcurrency: parseMaxConcurrency(maxConcurrency) } : {}),
    sources: Object.freeze(sources),
  });
  validateOptions(options);
  return options;
}

/** An explicit URL beats an environment name at the same level; config beats env. */
function resolveApiUrl(fromConfig: (name: SettingName) => string | undefined, fromEnv: (variable: string) => string | undefined): string {
  const [urlVar] = SETTINGS.apiUrl.envVars;
  const [envNameVar] = SETTINGS.environment.envVars;
  const url = fromConfig("apiUrl");
  if (url !== undefined) return url;
  const name = fromConfig("environment");
  if (name !== undefined) return parseEnvironment(name, SETTINGS.environment.configKey, ANTON_ENVIRONMENTS);
  const envUrl = fromEnv(urlVar);
  if (envUrl !== undefined) return envUrl;
  const envName = fromEnv(envNameVar);
  if (envName !== undefined) return parseEnvironment(envName, envNameVar, ANTON_ENVIRONMENTS);
  throw new AntonConfigError(
    settingLabel("apiUrl"),
    "missing_config",
    `The Anton API endpoint is not configured. Set anton:environment to "sandbox" or "production" (pulumi config set anton:environment sandbox), or ANTON_ENVIRONMENT; or give a URL with anton:apiUrl / ANTON_API_URL.`,
  );
}

/** The key from config, `ANTON_DPOP_PRIVATE_KEY`, or the file `ANTON_DPOP_PRIVATE_KEY_FILE` names (only one of the two variables). */
function resolveKey(fromConfig: (name: SettingName) => string | undefined, fromEnv: (variable: string) => string | undefined): { value: string; file: boolean } {
  const [keyVar, fileVar] = SETTINGS.dpopPrivateKey.envVars;
  const label = settingLabel("dpopPrivateKey");
  const configured = fromConfig("dpopPrivateKey");
  if (configured !== undefined) return { value: configured, file: false };
  const inline = fromEnv(keyVar);
  const file = fromEnv(fileVar);
  if (inline !== undefined && file !== undefined) throw new AntonConfigError(label, "invalid_config", `Both ${keyVar} and ${fileVar} are set; set only one.`);
  if (inline !== undefined) return { value: inline, file: false };
  if (file === undefined) {
    throw new AntonConfigError(
      label,
      "missing_config",
      `${label} is not set. Run \`${setCommand("dpopPrivateKey")} < key.pem\`, or export ${fileVar}=/path/to/key.pem.`,
    );
  }
  try {
    return { value: readFileSync(file, "utf8"), file: true };
  } catch (err) {
    const code = String((err as { code?: unknown }).code ?? "error");
    throw new AntonConfigError(fileVar, "invalid_config", `${fileVar} could not be read (${code}); check the path and its permissions.`);
  }
}
