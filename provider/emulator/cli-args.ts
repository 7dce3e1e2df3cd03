import type { EmulatorOptions } from "./options";

export const EMULATOR_USAGE = `usage: anton-emulator [--port N] [--json] [--key-alg ES256|Ed25519] [--grace-seconds N]
                      [--signature-scheme A|B] [--token-ttl-seconds N] [--no-rate-limit]
  Starts a local Anton API emulator on 127.0.0.1 with a demo merchant and one webhook, and runs until
  Ctrl-C (SIGINT) or SIGTERM. --json prints one JSON line (url, credentials, key file, webhook id, env).
  ANTON_EMULATOR_PORT=N is the same as --port N.`;

export type ParsedArgs = { kind: "run"; json: boolean; options: EmulatorOptions } | { kind: "help" } | { kind: "error"; message: string };

const FLAGS: Record<string, { value: boolean }> = {
  "--port": { value: true },
  "--json": { value: false },
  "--key-alg": { value: true },
  "--grace-seconds": { value: true },
  "--signature-scheme": { value: true },
  "--token-ttl-seconds": { value: true },
  "--no-rate-limit": { value: false },
  "--help": { value: false },
  "-h": { value: false },
};

/**
 * Parses the CLI's arguments; pure. Errors name the flag but never echo an unknown argument, which
 * could be a credential pasted into the wrong place.
 */
export function parseEmulatorArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  const values = new Map<string, string>();
  let json = false;
  let rateLimit = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const spec = FLAGS[flag];
    if (!spec) return { kind: "error", message: "unknown argument (see --help)" };
    if (flag === "--help" || flag === "-h") return { kind: "help" };
    if (!spec.value) {
      if (eq > 0) return { kind: "error", message: `${flag} takes no value` };
      if (flag === "--json") json = true;
      else rateLimit = false;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "") return { kind: "error", message: `${flag} needs a value` };
    values.set(flag, value);
  }
  const envPort = env.ANTON_EMULATOR_PORT;
  if (!values.has("--port") && envPort) values.set("ANTON_EMULATOR_PORT", envPort);

  const options: EmulatorOptions = { host: "127.0.0.1" };
  const integer = (name: string, min: number, max: number): number | string => {
    const text = values.get(name)!;
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    return Number.isSafeInteger(n) && n >= min && n <= max ? n : `${name} must be an integer from ${min} to ${max}`;
  };
  for (const name of ["--port", "ANTON_EMULATOR_PORT", "--grace-seconds", "--token-ttl-seconds"].filter((n) => values.has(n))) {
    const n = integer(name, name === "--token-ttl-seconds" ? 1 : 0, name.endsWith("port") || name.endsWith("PORT") ? 65535 : 31_536_000);
    if (typeof n === "string") return { kind: "error", message: n };
    if (name === "--grace-seconds") options.graceSeconds = n;
    else if (name === "--token-ttl-seconds") options.tokenTtlSeconds = n;
    else options.port = n;
  }
  const keyAlg = values.get("--key-alg");
  if (keyAlg !== undefined) {
    if (keyAlg !== "ES256" && keyAlg !== "Ed25519") return { kind: "error", message: "--key-alg must be ES256 or Ed25519" };
    options.keyAlg = keyAlg;
  }
  const scheme = values.get("--signature-scheme");
  if (scheme !== undefined) {
    if (scheme !== "A" && scheme !== "B") return { kind: "error", message: "--signature-scheme must be A or B" };
    options.signatureScheme = scheme;
  }
  if (!rateLimit) options.rateLimit = false;
  return { kind: "run", json, options };
}
