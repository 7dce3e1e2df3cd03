/**
 * Figure 7: N rotations through the plugin against an emulator limited to
 * `limit` requests per rolling `windowMs`, compared with the least time that
 * limit allows.
 */
import { startEmulatorProcess } from "../emulator-process";
import { startProbedPlugin, upAll } from "../plugin-run";
import { rollingWindowMinimumMs, round } from "../stats";

export interface RateLimitFigure {
  n: number;
  limit: number;
  windowMs: number;
  elapsedMs: number;
  minimumMs: number;
  ratio: number;
  failures: number;
  firstFailure?: string;
  http429: number;
  clientRequests: number;
  tokens: number;
  retries: Record<string, number>;
}

export async function measureRateLimit(providerText: string, n = 500, limit = 100, windowMs = 10_000): Promise<RateLimitFigure> {
  const emulator = await startEmulatorProcess({ rateLimit: { limit, windowMs } });
  try {
    const ids = await emulator.webhooks(n);
    const p = await startProbedPlugin({ config: emulator.config });
    const up = await upAll(p.plugin, providerText, ids, { keepPrevious: false }, "rl");
    const probe = await p.finish();
    const state = await emulator.state();
    const minimumMs = rollingWindowMinimumMs(n, limit, windowMs);
    return {
      n,
      limit,
      windowMs,
      elapsedMs: round(up.createMs, 0),
      minimumMs,
      ratio: round(up.createMs / minimumMs, 3),
      failures: up.failures.length,
      ...(up.failures[0] ? { firstFailure: up.failures[0] } : {}),
      http429: probe.statuses["429"] ?? 0,
      clientRequests: probe.requestsTotal,
      tokens: state.tokensMinted,
      retries: probe.retries,
    };
  } finally {
    await emulator.close();
  }
}
