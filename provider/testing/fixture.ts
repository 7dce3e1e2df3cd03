import { startEmulator, type Emulator, type EmulatorOptions } from "../emulator";
import { withRedactedPrint } from "../emulator/redacted";
import { closeClients } from "../resource/clients";

/** An emulator with its demo merchant's credentials in the shapes the provider reads. */
export interface AntonEmulatorFixture {
  emulator: Emulator;
  /** Fully qualified stack config (`anton:apiUrl`, `anton:clientId`, `anton:clientSecret`, `anton:dpopPrivateKey`). */
  config: Record<string, string>;
  /** The same credentials as the `ANTON_*` environment variables. */
  env: Record<string, string>;
  /** A webhook of the demo merchant, created at start, ready to rotate. */
  webhookId: string;
  /** Closes the package's cached API clients, then the emulator. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The provider config (fully qualified `anton:*` keys) that points the provider at this emulator's demo
 * merchant, for an emulator you started yourself with `startEmulator`.
 */
export function emulatorConfig(emulator: Emulator): Record<string, string> {
  const { clientId, clientSecret, dpopPrivateKeyPem } = emulator.credentials;
  const config = {
    "anton:apiUrl": emulator.url,
    "anton:clientId": clientId,
    "anton:clientSecret": clientSecret,
    "anton:dpopPrivateKey": dpopPrivateKeyPem,
  };
  return withRedactedPrint(config, ["anton:clientSecret", "anton:dpopPrivateKey"]);
}

/** Starts an emulator (no key file written unless asked) and returns it with its credentials wired for the provider. */
export async function startAntonEmulator(options: EmulatorOptions = {}): Promise<AntonEmulatorFixture> {
  const emulator = await startEmulator({ keyFile: false, ...options });
  const webhookId = emulator.createWebhook().id;
  return {
    emulator,
    config: emulatorConfig(emulator),
    env: withRedactedPrint({ ...emulator.env }, ["ANTON_CLIENT_SECRET", "ANTON_DPOP_PRIVATE_KEY"]),
    webhookId,
    stop: async () => {
      await closeClients();
      await emulator.close();
    },
  };
}

/** Hook registration functions of any runner: vitest/jest `beforeAll`/`afterAll`, mocha or `node:test` `before`/`after`. */
export interface SuiteHooks {
  before(fn: () => Promise<void>): unknown;
  after(fn: () => Promise<void>): unknown;
}

/**
 * Starts an emulator before the suite and stops it after, using the runner's own hooks, so this
 * package depends on no runner. The returned object is filled in when the `before` hook has run.
 *
 * @example
 * ```ts
 * const anton = useAntonEmulator({ before: beforeAll, after: afterAll }); // vitest
 * const anton = useAntonEmulator({ before, after });                       // mocha, node:test
 * ```
 */
export function useAntonEmulator(hooks: SuiteHooks, options: EmulatorOptions = {}): AntonEmulatorFixture {
  const fixture = {} as AntonEmulatorFixture;
  hooks.before(async () => {
    Object.assign(fixture, await startAntonEmulator(options));
  });
  hooks.after(async () => {
    await fixture.stop?.();
  });
  return fixture;
}
