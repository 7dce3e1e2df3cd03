/**
 * Figure 5: time from spawning the plugin to the first completed Create, for
 * the Anton provider and for a no-op dynamic provider driven the same way, and
 * where the Anton provider's time goes.
 */
import type { EmulatorProcess } from "../emulator-process";
import { startProbedPlugin, type ProbeReport } from "../plugin-run";
import { urnOf } from "../../support/plugin";
import { median, now, round } from "../stats";

export interface ColdStartRun {
  totalMs: number;
  phases: Record<string, number>;
}

export interface ColdStartFigure {
  runs: number;
  antonMs: number;
  noopMs: number;
  ratio: number;
  /** Median of each phase of the Anton runs, in ms. */
  antonPhases: Record<string, number>;
  noopPhases: Record<string, number>;
}

async function coldRun(providerText: string, config: Record<string, string>, args: Record<string, unknown>): Promise<ColdStartRun & { probe: ProbeReport }> {
  const p = await startProbedPlugin({ config });
  const configured = now();
  const urn = urnOf("cold");
  const checked = await p.plugin.check(urn, {}, { ...args, __provider: providerText });
  const checkedAt = now();
  await p.plugin.create(urn, checked.inputs);
  const createdAt = now();
  const probe = await p.finish();
  const d = probe.durations;
  // The first Check loads the implementation and imports the key (it validates credentials); Create mints and rotates.
  const phases: Record<string, number> = {
    "node boot (spawn → preload)": probe.bootedAt - p.spawnedAt,
    "plugin load (@pulumi/pulumi, gRPC server)": p.readyAt - probe.bootedAt,
    "Configure RPC": configured - p.readyAt,
    "Check RPC": checkedAt - configured,
  };
  if (d.moduleLoad !== undefined) phases["  Check, of which: load pulumi-anton/dynamic (undici, jose)"] = d.moduleLoad;
  if (d.firstKeyImport !== undefined) phases["  Check, of which: DPoP key import"] = d.firstKeyImport;
  phases["Create RPC"] = createdAt - checkedAt;
  if (d.firstToken !== undefined) phases["  Create, of which: token mint (1 request)"] = d.firstToken;
  const rotate = d["first POST /v1/webhooks/:id/secret/rotate"];
  if (rotate !== undefined) phases["  Create, of which: rotate request"] = rotate;
  return { totalMs: createdAt - p.spawnedAt, phases, probe };
}

/** Alternates Anton and no-op runs so both see the same machine state. */
export async function measureColdStart(emulator: EmulatorProcess, providerText: string, noopText: string, runs = 3): Promise<ColdStartFigure> {
  const anton: ColdStartRun[] = [];
  const noop: ColdStartRun[] = [];
  const ids = await emulator.webhooks(runs + 1);
  // One unmeasured run of each warms the OS file cache, as a second `pulumi up` would find it.
  await coldRun(noopText, {}, { value: 1 });
  await coldRun(providerText, emulator.config, { webhookId: ids[runs], keepPrevious: false });
  for (let i = 0; i < runs; i++) {
    noop.push(await coldRun(noopText, {}, { value: 1 }));
    anton.push(await coldRun(providerText, emulator.config, { webhookId: ids[i], keepPrevious: false }));
  }
  const med = (rs: ColdStartRun[]) => {
    const out: Record<string, number> = { total: round(median(rs.map((r) => r.totalMs)), 1) };
    for (const k of Object.keys(rs[0]!.phases)) out[k] = round(median(rs.map((r) => r.phases[k] ?? 0)), 1);
    return out;
  };
  const antonMs = median(anton.map((r) => r.totalMs));
  const noopMs = median(noop.map((r) => r.totalMs));
  return { runs, antonMs: round(antonMs, 1), noopMs: round(noopMs, 1), ratio: round(antonMs / noopMs, 3), antonPhases: med(anton), noopPhases: med(noop) };
}
