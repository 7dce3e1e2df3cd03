/**
 * One emulator and one hermetic backend per e2e file, the stack config that points the provider at
 * the emulator, request counters as deltas, and the leak scan over everything the engine printed
 * and stored.
 */
import { afterAll, beforeAll, inject } from "vitest";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../provider/emulator";
import { CanarySet } from "../security/scanner";
import { hermeticBackend, printed, useCliBin, type Backend, type TestStack } from "../support/engine";

// The pinned CLI that the global setup provided (test/support/pulumi-cli.sh).
useCliBin(inject("pulumiCliBin"));

export interface E2eFixture {
  emulator: Emulator;
  backend: Backend;
  /** Stack config that points the provider at the emulator (secrets marked secret). */
  config: Record<string, { value: string; secret?: boolean }>;
  /** Every secret the emulator's webhooks have held, plus the credentials: none may appear in plain text. */
  canaries(): CanarySet;
}

/** Registers beforeAll/afterAll for an emulator and a backend; the returned object is filled by beforeAll. */
export function useEngine(options: EmulatorOptions = {}): E2eFixture {
  const fixture = {} as E2eFixture;
  beforeAll(async () => {
    const emulator = await startEmulator({ keyFile: false, ...options });
    const { clientId, clientSecret, dpopPrivateKeyPem } = emulator.credentials;
    const backend = hermeticBackend();
    Object.assign(fixture, {
      emulator,
      backend,
      config: {
        "anton:apiUrl": { value: emulator.url },
        "anton:clientId": { value: clientId },
        "anton:clientSecret": { value: clientSecret, secret: true },
        "anton:dpopPrivateKey": { value: dpopPrivateKeyPem, secret: true },
      },
      canaries() {
        remember(emulator);
        const set = new CanarySet();
        for (const s of seen.get(emulator) ?? []) set.add("webhook secret", s);
        set.add("client secret", clientSecret);
        set.add("DPoP private key", dpopPrivateKeyPem);
        return set;
      },
    } satisfies E2eFixture);
  });
  afterAll(async () => {
    await fixture.emulator?.close();
    fixture.backend?.cleanup();
  });
  return fixture;
}

/** Every webhook secret each emulator has held when a step started or the leak scan ran. */
const seen = new WeakMap<Emulator, Set<string>>();

function remember(emulator: Emulator): void {
  const set = seen.get(emulator) ?? new Set<string>();
  seen.set(emulator, set);
  for (const w of emulator.state.webhooks()) {
    set.add(w.secret);
    if (w.previousSecret) set.add(w.previousSecret);
  }
}

/** The emulator's request counters, as deltas from the moment this was called (each step calls it). */
export function countFrom(emulator: Emulator): () => { total: number; token: number; rotate: number; read: number; byRoute: Record<string, number> } {
  remember(emulator);
  const before = { ...emulator.state.requests.byRoute };
  const total = emulator.state.requests.total;
  return () => {
    const byRoute: Record<string, number> = {};
    for (const [route, n] of Object.entries(emulator.state.requests.byRoute)) {
      const d = n - (before[route] ?? 0);
      if (d) byRoute[route] = d;
    }
    return {
      total: emulator.state.requests.total - total,
      token: byRoute["POST /oauth/token"] ?? 0,
      rotate: byRoute["POST /v1/webhooks/:id/secret/rotate"] ?? 0,
      read: byRoute["GET /v1/webhooks/:id/secret"] ?? 0,
      byRoute,
    };
  };
}

/** Everything a user could see or store: the CLI transcript and the exported state of each stack. */
export async function exposures(backend: Backend, stacks: TestStack[]): Promise<Array<{ where: string; text: string }>> {
  const out = [{ where: "CLI output", text: printed(backend) }];
  for (const s of stacks) out.push({ where: `stack export ${s.stack.name}`, text: JSON.stringify(await s.exportState()) });
  return out;
}
