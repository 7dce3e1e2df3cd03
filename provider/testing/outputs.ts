import type * as pulumi from "@pulumi/pulumi";
import { failureOf } from "./failures";

/** A resolved output: its value and whether Pulumi treats it as a secret. */
export interface Resolved<T> {
  value: T;
  secret: boolean;
}

/**
 * Resolves an Output (or a plain value) for an assertion. Rejects with the Check failure when the
 * output depends on an `AntonWebhookSecret` that failed Check under {@link setAntonMocks}, whose
 * outputs never resolve; also rejects when a resource failed to register for another reason.
 */
export async function resolveOutput<T>(output: pulumi.Output<T> | T): Promise<Resolved<T>> {
  const pulumiModule = require("@pulumi/pulumi") as typeof pulumi;
  if (!pulumiModule.Output.isInstance(output)) return { value: output as T, secret: false };
  const out = output as pulumi.Output<T>;
  // `promise()` is how the SDK itself awaits an Output; it is not in the typings but present in every 3.x.
  const internal = out as unknown as { promise?: () => Promise<T> };
  const value =
    typeof internal.promise === "function" ? internal.promise() : new Promise<T>((resolve) => out.apply((v) => (resolve(v), v)));
  // Outputs carry the resources they derive from (through apply and all), by reference and synchronously.
  const internalResources = out as unknown as { resources?: () => Set<{ __name?: string }> };
  const names = [...(internalResources.resources?.() ?? [])].map((r) => r.__name).filter((n): n is string => typeof n === "string");
  const failed = names.map(failureOf);
  const [resolved, secret] = await Promise.race([Promise.all([value, pulumiModule.isSecret(out)]), ...failed]);
  return { value: resolved, secret };
}
