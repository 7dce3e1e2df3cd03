import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { AntonClient } from "../client";
import type { CheckFailure } from "../resource/inputs";
import { createWebhookSecretProvider, type WebhookSecretProvider } from "../resource/lifecycle";
import { recordFailure, resetFailures } from "./failures";

/** The engine's type token of `AntonWebhookSecret`. */
export const WEBHOOK_SECRET_TYPE = "pulumi-nodejs:dynamic/anton:WebhookSecret";
/** The outputs `AntonWebhookSecret` registers as `additionalSecretOutputs`. */
export const WEBHOOK_SECRET_OUTPUTS: readonly string[] = ["secret", "previousSecret"];
const CREDENTIAL_KEYS = ["anton:clientSecret", "anton:dpopPrivateKey"];

/** Options for {@link setAntonMocks}. */
export interface AntonMocksOptions {
  /**
   * Create against this Anton for real (the provider's own code, over HTTP), such as a fixture from
   * `startAntonEmulator()`. Without it, Create is simulated in memory: no request, no credentials needed,
   * a fresh `whsec_` secret per rotation.
   */
  against?: { config: Record<string, string> };
  /** Mocks for every other resource and call. Default: a resource's state is its inputs; a call returns its inputs. */
  mocks?: Partial<pulumi.runtime.Mocks>;
  /** Stack config the program reads through `pulumi.Config` (fully qualified keys); `against`'s credentials are added as secrets. */
  config?: Record<string, string>;
  project?: string;
  stack?: string;
  /** Model `pulumi preview`: Check runs, nothing is created, outputs are unknown. Default false. */
  preview?: boolean;
}

/** What the mocked engine saw, for assertions beyond the program's outputs. */
export interface AntonMocks {
  /** `AntonWebhookSecret` resources that were created, by resource name: inputs after Check, and the outputs. */
  created: Map<string, { id: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }>;
  /**
   * Check failures by resource name. Such a resource never registers (as `pulumi preview` fails): its
   * outputs stay pending, and {@link resolveOutput} rejects with the failure instead.
   */
  failures: Map<string, CheckFailure[]>;
}

/** An in-memory stand-in for the Anton client: the two calls Create makes. */
function simulatedClient(): AntonClient {
  const current = new Map<string, string>();
  const fresh = () => `whsec_${randomBytes(24).toString("base64url")}`;
  const secretOf = (id: string) => current.get(id) ?? current.set(id, fresh()).get(id)!;
  return {
    getWebhookSecret: async (id: string) => ({ secret: secretOf(id) }),
    rotateWebhookSecret: async (id: string, opts: { idempotencyKey?: string } = {}) => {
      current.set(id, fresh());
      return { secret: secretOf(id), idempotencyKey: opts.idempotencyKey ?? "", replayed: false, attempts: 1 };
    },
  } as unknown as AntonClient;
}

/**
 * `pulumi.runtime.setMocks` that treats `AntonWebhookSecret` as the engine does: Check validates the
 * inputs (a bad `webhookId` or `rotateAfter` fails), and `secret`/`previousSecret` come back as secrets
 * (plain mocks ignore `additionalSecretOutputs`). Call it before the program creates resources.
 */
export async function setAntonMocks(options: AntonMocksOptions = {}): Promise<AntonMocks> {
  const pulumiModule = require("@pulumi/pulumi") as typeof pulumi;
  const result: AntonMocks = { created: new Map(), failures: new Map() };
  resetFailures();
  const providerConfig = options.against?.config;
  const simulated = providerConfig ? undefined : simulatedClient();
  const provider: WebhookSecretProvider = createWebhookSecretProvider(simulated ? { client: () => simulated } : {});
  await provider.configure({ config: { get: (k: string) => providerConfig?.[k], require: (k: string) => providerConfig?.[k] ?? "" } } as never);

  const config = { ...options.config, ...providerConfig };
  pulumiModule.runtime.setAllConfig(config, Object.keys(config).filter((k) => CREDENTIAL_KEYS.includes(k)));

  const user = options.mocks ?? {};
  await pulumiModule.runtime.setMocks(
    {
      async newResource(args) {
        if (args.type !== WEBHOOK_SECRET_TYPE) {
          return user.newResource ? user.newResource(args) : { id: `${args.name}_id`, state: args.inputs };
        }
        const news = { ...(args.inputs as Record<string, unknown>) };
        delete news.__provider;
        const checked = await provider.check!({}, news);
        if (checked.failures?.length) {
          result.failures.set(args.name, checked.failures as CheckFailure[]);
          const reasons = checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
          const message = `AntonWebhookSecret ${args.name} failed Check (pulumi preview would fail): ${reasons}`;
          recordFailure(args.name, new Error(message));
          // As the engine reports it. Logging an error also tells the SDK's exit-time leak check that
          // the pending outputs below are a failed deployment, not leaked promises.
          void pulumiModule.log.error(message);
          // Never settles: see ./failures.ts for why this is not a rejection.
          return new Promise<never>(() => {});
        }
        if (options.preview) return { id: undefined, state: {} };
        const created = await provider.create(checked.inputs);
        const outputs = created.outs ?? {};
        result.created.set(args.name, { id: created.id, inputs: checked.inputs!, outputs });
        const state: Record<string, unknown> = { ...outputs };
        for (const key of WEBHOOK_SECRET_OUTPUTS) if (key in state) state[key] = pulumiModule.secret(state[key]);
        return { id: created.id, state };
      },
      call: (args) => (user.call ? user.call(args) : args.inputs),
    },
    options.project ?? "project",
    options.stack ?? "stack",
    options.preview ?? false,
  );
  return result;
}
