/**
 * Figures 1–3: HTTP requests per rotation (counted by the client inside the
 * plugin and by the emulator), tokens minted per run, and state size.
 */
import type { EmulatorProcess } from "../emulator-process";
import { startProbedPlugin, upAll } from "../plugin-run";
import { round } from "../stats";

export interface RequestsRow {
  n: number;
  keepPrevious: boolean;
  clientPerRotation: number;
  emulatorPerRotation: number;
  target: number;
  tokensMinted: { client: number; emulator: number };
  nonceRoundTrips: number;
  failures: number;
  byRoute: Record<string, number>;
  /** Mean JSON bytes of one resource's Create outputs, `__provider` included. */
  stateBytesPerResource: number;
}

export async function measureRequests(emulator: EmulatorProcess, providerText: string, n: number, keepPrevious: boolean): Promise<RequestsRow> {
  const ids = await emulator.webhooks(n);
  await emulator.reset();
  const p = await startProbedPlugin({ config: emulator.config });
  const up = await upAll(p.plugin, providerText, ids, { keepPrevious }, `req-${n}-${keepPrevious}`);
  const probe = await p.finish();
  const state = await emulator.state();
  const stateBytes = up.outputs.reduce((sum, o) => sum + Buffer.byteLength(JSON.stringify(o)), 0) / Math.max(1, up.outputs.length);
  return {
    n,
    keepPrevious,
    clientPerRotation: round(probe.requestsTotal / n, 4),
    emulatorPerRotation: round(state.total / n, 4),
    target: round((keepPrevious ? 2 : 1) + 1 / n, 4),
    tokensMinted: { client: probe.tokens, emulator: state.tokensMinted },
    nonceRoundTrips: probe.retries.nonce ?? 0,
    failures: up.failures.length,
    byRoute: state.byRoute,
    stateBytesPerResource: Math.round(stateBytes),
  };
}
