import type * as pulumi from "@pulumi/pulumi";
import { failureOf } from "./failures";

/** A resolved output: its value, whether Pulumi treats it as a secret, and whether it is known (false in preview before create). */
export interface Resolved<T> {
  /** `undefined` when not known. */
  value: T;
  secret: boolean;
  known: boolean;
}

/**
 * Resolves an Output (or a plain value) for an assertion. Rejects with the Check failure when the
 * output depends on an `AntonWebhookSecret` that failed Check under {@link setAntonMocks}, whose
 * outputs never resolve; also rejects when a resource failed to register for another reason.
 */
export async function resolveOutput<T>(output: pulumi.Output<T> | T): Promise<Resolved<T>> {
  const pulumiModule = require("@pulumi/pulumi") as typeof pulumi;
  if (!pulumiModule.Output.isInstance(output)) return { value: output as T, secret: false, known: true };
  const out = output as pulumi.Output<T>;
  // `promise()` is how the SDK itself awaits an Output; it is not in the typings but present in every 3.x.
  const internal = out as unknown as { promise?: () => Promise<T>; isKnown?: Promise<boolean> };
  const value =
    typeof internal.promise === "function" ? internal.promise() : new Promise<T>((resolve) => out.apply((v) => (resolve(v), v)));
  // Outputs carry the resources they derive from (through apply and all), by reference and synchronously.
  const internalResources = out as unknown as { resources?: () => Set<{ __name?: string }> };
  const names = [...(internalResources.resources?.() ?? [])].map((r) => r.__name).filter((n): n is string => typeof n === "string");
  const failed = names.map(failureOf);
  const known = internal.isKnown ?? Promise.resolve(true);
  const [resolved, secret, isKnown] = await Promise.race([Promise.all([value, pulumiModule.isSecret(out), known]), ...failed]);
  return { value: isKnown ? resolved : (undefined as T), secret, known: isKnown };
}
