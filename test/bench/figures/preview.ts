/** Figure 6: a preview of 500 existing resources (Check + Diff each) makes no HTTP request. */
import type { EmulatorProcess } from "../emulator-process";
import { startProbedPlugin } from "../plugin-run";
import { urnOf } from "../../support/plugin";
import { now, round } from "../stats";

export interface PreviewFigure {
  n: number;
  httpRequests: { client: number; emulator: number };
  wallMs: number;
  /** Wall time of the whole concurrent preview divided by n. */
  msPerResource: number;
  /** Mean round trip of one Check + Diff pair when run one resource at a time. */
  sequentialMsPerResource: number;
}

export async function measurePreview(emulator: EmulatorProcess, providerText: string, n = 500): Promise<PreviewFigure> {
  const p = await startProbedPlugin({ config: emulator.config });
  await emulator.reset();
  const rotatedAt = new Date().toISOString();
  const one = async (i: number) => {
    const urn = urnOf(`preview-${i}`);
    const inputs = { webhookId: `wbh_preview${i}`, rotateAfter: "30d", keepPrevious: true, adopt: false, triggers: {} };
    const news = { ...inputs, __provider: providerText };
    const checked = await p.plugin.check(urn, inputs, news);
    const olds = { ...checked.inputs, secret: "whsec_bench", previousSecret: "", rotatedAt, __provider: providerText };
    const diff = await p.plugin.diff(`id-${i}`, urn, olds, checked.inputs);
    if (diff.changes !== "none") throw new Error(`preview ${i}: unexpected diff ${JSON.stringify(diff)}`);
  };
  // Warm the provider (deserialization, module load) so the figure is per-resource cost.
  await one(-1);
  const t0 = now();
  await Promise.all(Array.from({ length: n }, (_, i) => one(i)));
  const wallMs = now() - t0;
  const s0 = now();
  const sequentialRuns = 50;
  for (let i = 0; i < sequentialRuns; i++) await one(n + i);
  const sequentialMsPerResource = (now() - s0) / sequentialRuns;
  const probe = await p.finish();
  const state = await emulator.state();
  return {
    n,
    httpRequests: { client: probe.requestsTotal, emulator: state.total },
    wallMs: round(wallMs, 1),
    msPerResource: round(wallMs / n, 3),
    sequentialMsPerResource: round(sequentialMsPerResource, 3),
  };
}
