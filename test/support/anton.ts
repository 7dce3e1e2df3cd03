/** Starts the emulator and exposes its demo credentials in the shapes the provider reads. */
import { afterAll, beforeAll } from "vitest";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../provider/emulator";
import { emulatorConfig } from "../../provider/testing/fixture";

export interface AntonFixture {
  emulator: Emulator;
  /** Fully qualified stack config, as the engine sends it to Configure. */
  config: Record<string, string>;
  /** The same credentials as environment variables. */
  env: Record<string, string>;
  configGetter: { get(key: string): string | undefined; require(key: string): string };
}

export async function startAnton(options: EmulatorOptions = {}): Promise<AntonFixture> {
  const emulator = await startEmulator({ keyFile: false, ...options });
  const config = emulatorConfig(emulator);
  const env = { ...emulator.env };
  const configGetter = {
    get: (key: string) => (config as Record<string, string>)[key],
    require: (key: string) => {
      const value = (config as Record<string, string>)[key];
      if (value === undefined) throw new Error(`missing config ${key}`);
      return value;
    },
  };
  return { emulator, config, env, configGetter };
}

/** A config getter over a plain map. */
export function configOf(map: Record<string, string | undefined>) {
  return {
    get: (key: string) => map[key],
    require: (key: string) => {
      const value = map[key];
      if (value === undefined) throw new Error(`missing config ${key}`);
      return value;
    },
  };
}

export const ROTATE = "POST /v1/webhooks/:id/secret/rotate";
export const GET_SECRET = "GET /v1/webhooks/:id/secret";
export const TOKEN = "POST /oauth/token";

/** Requests to /v1 routes plus token mints: everything that crossed the network. */
export function totalRequests(emulator: Emulator): number {
  return emulator.state.requests.total;
}

/**
 * Registers beforeAll/afterAll hooks that start an emulator for the file and, afterwards, close the
 * package's cached clients (the built `pulumi-anton/dynamic` the serialized provider uses) and the emulator.
 * The returned object is filled in by beforeAll.
 */
export function useAnton(options: EmulatorOptions = {}): AntonFixture {
  const fixture = {} as AntonFixture;
  beforeAll(async () => {
    Object.assign(fixture, await startAnton(options));
  });
  afterAll(async () => {
    await (require("pulumi-anton/dynamic") as { closeClients(): Promise<void> }).closeClients();
    await fixture.emulator?.close();
  });
  return fixture;
}
