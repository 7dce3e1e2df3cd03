/**
 * Figures 4 and 8: rotations per second for N webhooks through the real plugin
 * (all Creates in flight at once), the same rotations by AntonClient in this
 * process, and a minimal pre-signed undici loop; per maxConcurrency. Also the
 * plugin's peak RSS.
 */
import { AntonClient } from "../../../provider/client";
import type { EmulatorProcess } from "../emulator-process";
import { startProbedPlugin, upAll } from "../plugin-run";
import { rawRotationsPerSecond } from "../raw-loop";
import { now, round } from "../stats";

export interface ThroughputRow {
  maxConcurrency: number;
  pluginRps: number;
  directRps: number;
  rawRps: number;
  /** plugin / direct; target ≥ 0.8. */
  pluginVsDirect: number;
  /** direct / raw: how close the client is to the emulator's ceiling. */
  directVsRaw: number;
  pluginFailures: number;
  pluginPeakRssKb?: number;
  pluginTokens: number;
}

async function pluginRun(emulator: EmulatorProcess, providerText: string, n: number, c: number) {
  const [warm, ...ids] = await emulator.webhooks(n + 1);
  const p = await startProbedPlugin({ config: emulator.config, env: { ANTON_MAX_CONCURRENCY: String(c) } });
  // One Create first: module load, key import and the token are cold-start costs (figure 5), not throughput.
  await upAll(p.plugin, providerText, [warm!], { keepPrevious: false }, `warm-${c}`);
  const up = await upAll(p.plugin, providerText, ids, { keepPrevious: false }, `tp-${c}`);
  const peak = p.peakRssKb();
  const probe = await p.finish();
  return { rps: (n * 1000) / up.createMs, failures: up.failures.length, peak, tokens: probe.tokens };
}

async function directRun(emulator: EmulatorProcess, n: number, c: number) {
  const [warm, ...ids] = await emulator.webhooks(n + 1);
  const client = new AntonClient({
    apiUrl: emulator.url,
    clientId: emulator.credentials.clientId,
    clientSecret: emulator.credentials.clientSecret,
    dpopPrivateKey: emulator.credentials.dpopPrivateKeyPem,
    maxConcurrency: c,
  });
  try {
    await client.rotateWebhookSecret(warm!);
    const t0 = now();
    await Promise.all(ids.map((id) => client.rotateWebhookSecret(id)));
    return (n * 1000) / (now() - t0);
  } finally {
    await client.close();
  }
}

/** Best of `rounds` for each path (the least disturbed run), paths interleaved within a round. */
export async function measureThroughput(emulator: EmulatorProcess, providerText: string, n: number, concurrencies: number[], rounds = 2): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  for (const c of concurrencies) {
    let plugin = { rps: 0, failures: 0, peak: undefined as number | undefined, tokens: 0 };
    let direct = 0;
    let raw = 0;
    for (let r = 0; r < rounds; r++) {
      const pr = await pluginRun(emulator, providerText, n, c);
      if (pr.rps > plugin.rps) plugin = { ...pr, failures: Math.max(plugin.failures, pr.failures) };
      direct = Math.max(direct, await directRun(emulator, n, c));
      raw = Math.max(raw, (await rawRotationsPerSecond(emulator, await emulator.webhooks(n), c)).rps);
    }
    rows.push({
      maxConcurrency: c,
      pluginRps: round(plugin.rps, 1),
      directRps: round(direct, 1),
      rawRps: round(raw, 1),
      pluginVsDirect: round(plugin.rps / direct, 3),
      directVsRaw: round(direct / raw, 3),
      pluginFailures: plugin.failures,
      pluginPeakRssKb: plugin.peak,
      pluginTokens: plugin.tokens,
    });
  }
  return rows;
}
