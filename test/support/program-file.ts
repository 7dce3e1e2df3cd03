/**
 * A Pulumi program file (an example's index.ts) as an Automation API inline program, evaluated
 * afresh on every run as the Node language host would; its exports become the stack outputs. tsx
 * compiles it in a namespace of its own, while `@pulumi/pulumi` and `pulumi-anton` stay the
 * instances this process already loaded (a second copy of the SDK would register nothing).
 */
import { randomUUID } from "node:crypto";
import type { PulumiFn } from "@pulumi/pulumi/automation";

interface TsxScope {
  require(id: string, from: string): unknown;
  unregister(): void;
}

export function programFile(file: string): PulumiFn {
  const tsx = require("tsx/cjs/api") as { register(o: { namespace: string }): TsxScope };
  return async () => {
    const scope = tsx.register({ namespace: randomUUID() });
    try {
      const mod = scope.require(file, __filename) as Record<string, unknown> | (() => Promise<Record<string, unknown>>);
      if (typeof mod === "function") return mod();
      const { __esModule: _, ...outputs } = mod;
      return outputs;
    } finally {
      scope.unregister();
    }
  };
}
