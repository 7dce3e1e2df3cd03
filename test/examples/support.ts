/**
 * Shared plumbing for the example tests: loads an example program fresh (as `pulumi up`
 * would run it), and scans recorded state for secrets that escaped their secret wrapper.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { settle, type RecordedResource, type RunResult } from "../support/mocks";
import { SECRET_SIG } from "../support/plugin";

// Typed by hand: tsx publishes these types only for node16/bundler resolution.
const tsx = require("tsx/cjs/api") as { register(): () => void };

export { SECRET_SIG };

/** The examples folder. */
export const EXAMPLES = path.resolve(__dirname, "..", "..", "examples");

let unregister: (() => void) | undefined;

/**
 * Loads `examples/<name>/index.ts` through Node's own `require` (with tsx for the TypeScript),
 * not through vitest's module graph: `pulumi-anton` and `@pulumi/pulumi` must be the very
 * modules the mocks runtime and the serializer see, as they are under the Pulumi CLI.
 * The example itself is evicted from the cache first, so each call runs the program again.
 */
export function loadExample<T = Record<string, unknown>>(name: string): T {
  unregister ??= tsx.register();
  const file = path.join(EXAMPLES, name, "index.ts");
  delete require.cache[file];
  return require(file) as T;
}

/** Every `whsec_` value the emulator has issued for these webhooks (current and rotated out). */
export function issuedSecrets(values: Iterable<string | undefined>): string[] {
  return [...new Set([...values].filter((v): v is string => typeof v === "string" && v.startsWith("whsec_")))];
}

function containsAny(value: unknown, needles: string[]): boolean {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return needles.some((n) => text.includes(n));
}

/**
 * Non-secret places where a secret would leak: every export that is not a secret Output, and
 * every resource output the engine would store in plain text (not listed in additionalSecretOutputs).
 */
export async function plaintextLeaks(run: RunResult<Record<string, unknown>>, needles: string[]): Promise<string[]> {
  const leaks: string[] = [];
  for (const [name, value] of Object.entries(run.exports)) {
    const out = await settle(value as pulumi.Output<unknown>);
    if (!out.secret && containsAny(out.value, needles)) leaks.push(`export ${name}`);
  }
  for (const r of run.resources.values()) leaks.push(...resourceLeaks(r, needles));
  return leaks;
}

function resourceLeaks(r: RecordedResource, needles: string[]): string[] {
  const leaks: string[] = [];
  for (const [key, value] of Object.entries(r.state)) {
    if (r.secretOutputs.includes(key)) continue;
    // A value that arrived as a secret stays one (the engine's annotateSecrets); only plain ones leak.
    const wire = r.wireInputs[key];
    if (wire && typeof wire === "object" && SECRET_SIG in wire) continue;
    if (r.type === "pulumi:pulumi:StackReference" && key === "outputs") {
      // The engine keeps a referenced stack's secret outputs encrypted; only the others are plain.
      const secretNames: string[] = r.state.secretOutputNames ?? [];
      for (const [name, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (!secretNames.includes(name) && containsAny(v, needles)) leaks.push(`${r.type} ${r.name}.outputs.${name}`);
      }
      continue;
    }
    if (containsAny(value, needles)) leaks.push(`${r.type} ${r.name}.${key}`);
  }
  return leaks;
}

/** True when a registered input crossed the wire wrapped as a secret. */
export function isWireSecret(value: unknown): boolean {
  return !!value && typeof value === "object" && SECRET_SIG in (value as object);
}
