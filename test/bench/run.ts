/**
 * `npm run bench`: every figure of issue #6, measured side by side in one run,
 * printed as a table and written to bench-results.json. Timings are reported
 * as ratios against a reference measured in the same run.
 *
 * BENCH_ONLY=requests,state,throughput,coldstart,preview,ratelimit,engine,webhooks picks figures (development).
 * BENCH_CONCURRENCY=4,8,16,32,64 sets the maxConcurrency sweep.
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { serializeProvider } from "../support/serialize";
import { startEmulatorProcess } from "./emulator-process";
import { measureEngine, type EngineFigure } from "./figures/engine";
import { measureColdStart, type ColdStartFigure } from "./figures/cold-start";
import { measurePreview, type PreviewFigure } from "./figures/preview";
import { measureRateLimit, type RateLimitFigure } from "./figures/rate-limit";
import { measureRequests, type RequestsRow } from "./figures/requests";
import { ANTON, measureWebhooksImport, PEER, type WebhooksImportFigure } from "./figures/webhooks-import";
import { measureHostCeiling, measureResourceLayer, measureThroughput, type HostCeiling, type ResourceLayerFigure, type ThroughputRow } from "./figures/throughput";
import { formatTable, writeReport, type Row } from "./report";
import { now, round } from "./stats";

const root = path.resolve(__dirname, "..", "..");
const DEFAULT_CONCURRENCY = 16;
/** Simulated round trip for the maxConcurrency sweep: a fast network and an instant server, a demanding case. */
const RTT_MS = 20;
/**
 * A simulated request latency (network plus server time) closer to a real rotation: an authenticated write
 * over TLS to a payments API. At lower latencies, on 2 cores that also run the emulator (Anton's servers, in
 * production), the ratio mostly measures CPU: Pulumi's gRPC host and the contention (see the host ceiling row).
 */
const REALISTIC_RTT_MS = 50;
/** Resources in the real-engine figure. */
const ENGINE_N = 100;
const fmtCpu = (cpu: Record<string, number>) => Object.entries(cpu).map(([k, v]) => `${k} ${v}`).join(", ");
const only = new Set((process.env.BENCH_ONLY ?? "requests,state,throughput,coldstart,preview,ratelimit,engine,webhooks").split(","));
const sweep = (process.env.BENCH_CONCURRENCY ?? "4,8,16,32,64").split(",").map(Number);

async function main(): Promise<void> {
  const started = now();
  // The provider as a user's install serializes it (node_modules/pulumi-anton, from link-self); linked
  // from elsewhere it is copied by value, which figure 3 reports beside it.
  const shim = require(path.join(root, "node_modules", "pulumi-anton", "dist", "provider", "resource", "shim.js")) as typeof import("../../provider/resource/shim");
  const providerText = (await serializeProvider(shim.webhookSecretShim)).text;
  const linked = require(path.join(root, "dist", "provider", "resource", "shim.js")) as typeof import("../../provider/resource/shim");
  const linkedBytes = Buffer.byteLength((await serializeProvider(linked.webhookSecretShim)).text);
  const noopText = (await serializeProvider({ create: async (inputs) => ({ id: "noop", outs: inputs }) })).text;
  // For the host ceiling: a no-op that moves the same bytes as the Anton provider (its `__provider` padded to
  // the same size, outputs of the same shape), so the ceiling prices gRPC and protobuf for this payload.
  // With `spreadMs`, each Create answers at a random moment within that span, as real rotations finish one at a
  // time. That costs the host more than answering all at once, likely because each answer is then its own HTTP/2
  // write and wake-up instead of part of one batch.
  const sized = (pad: string, spreadMs: number) =>
    serializeProvider({
      pad,
      create: async (inputs: Record<string, unknown>) => {
        if (spreadMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * spreadMs));
        return {
          id: "noop",
          outs: { ...inputs, secret: `whsec_${"0".repeat(64)}`, previousSecret: "", fingerprint: "0".repeat(16), rotatedAt: new Date().toISOString(), nextRotationAt: "", rotationKey: "00000000-0000-4000-8000-000000000000" },
        };
      },
    } as never);
  const hostTextFor = async (spreadMs: number) =>
    (await sized("x".repeat(Math.max(0, Buffer.byteLength(providerText) - Buffer.byteLength((await sized("", spreadMs)).text))), spreadMs)).text;
  const hostText = await hostTextFor(0);
  const rows: Row[] = [];
  const report: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}` },
  };
  const log = (s: string) => console.error(`[bench ${((now() - started) / 1000).toFixed(1)} s] ${s}`);

  const emulator = await startEmulatorProcess({ rateLimit: false });
  try {
    if (only.has("requests") || only.has("state")) {
      const requests: RequestsRow[] = [];
      for (const keepPrevious of [false, true]) {
        for (const n of [1, 10, 100, 500]) {
          log(`requests: N=${n} keepPrevious=${keepPrevious}`);
          requests.push(await measureRequests(emulator, providerText, n, keepPrevious));
        }
      }
      report.requestsPerRotation = requests;
      for (const r of requests) {
        rows.push({
          figure: `1. Requests/rotation N=${r.n} keepPrevious=${r.keepPrevious}`,
          measured: `client ${r.clientPerRotation}, emulator ${r.emulatorPerRotation}, nonce ${r.nonceRoundTrips}${r.failures ? `, ${r.failures} failed` : ""}`,
          target: `${r.target} (${r.keepPrevious ? 2 : 1} + 1/N), nonce 0`,
          pass: r.clientPerRotation <= r.target && r.emulatorPerRotation <= r.target && r.nonceRoundTrips === 0 && r.failures === 0,
        });
      }
      const maxTokens = Math.max(...requests.map((r) => Math.max(r.tokensMinted.client, r.tokensMinted.emulator)));
      const minTokens = Math.min(...requests.map((r) => Math.min(r.tokensMinted.client, r.tokensMinted.emulator)));
      rows.push({ figure: "2. Tokens minted per run (all runs above)", measured: minTokens === maxTokens ? `${maxTokens}` : `${minTokens}..${maxTokens}`, target: "1", pass: maxTokens === 1 && minTokens === 1 });
      const providerBytes = Buffer.byteLength(providerText);
      const stateBytes = requests.find((r) => r.n === 10 && r.keepPrevious)!.stateBytesPerResource;
      report.state = { providerBytes, stateBytesPerResource: stateBytes };
      rows.push({ figure: "3. Serialized __provider per resource", measured: `${providerBytes} B installed from npm (${linkedBytes} B linked, copied by value)`, target: "≤ 4096 B", pass: providerBytes <= 4096 && linkedBytes <= 4096 });
      rows.push({ figure: "3. State per resource (Create outputs JSON)", measured: `${stateBytes} B`, target: "—" });
    }

    if (only.has("throughput")) {
      const rounds = (c: number) => (c === DEFAULT_CONCURRENCY ? 2 : 1);
      log(`throughput on loopback: N=500, maxConcurrency ${sweep.join("/")}`);
      const loopback: ThroughputRow[] = await measureThroughput(emulator, providerText, 500, sweep, { rounds });
      log("plugin host ceiling: a no-op dynamic provider, N=500");
      const host: HostCeiling = await measureHostCeiling(hostText, 500);
      const def = loopback.find((r) => r.maxConcurrency === DEFAULT_CONCURRENCY) ?? loopback[0]!;
      log(`plugin host floor at the plugin path's pace: the no-op answering over ${Math.round(def.pluginCreateMs)} ms, N=500`);
      const paced: HostCeiling = await measureHostCeiling(await hostTextFor(Math.round(def.pluginCreateMs)), 500, 2, "leastCpu");
      log(`resource layer in this process, no plugin: N=500, maxConcurrency ${DEFAULT_CONCURRENCY}`);
      const layer: ResourceLayerFigure = await measureResourceLayer(emulator, 500, DEFAULT_CONCURRENCY);
      log(`throughput with a ${RTT_MS} ms simulated round trip: N=500, maxConcurrency ${sweep.join("/")}`);
      const wan: ThroughputRow[] = await measureThroughput(emulator, providerText, 500, sweep, { rounds, rttMs: RTT_MS, raw: false });
      log(`throughput at ${REALISTIC_RTT_MS} ms request latency: N=500, maxConcurrency ${DEFAULT_CONCURRENCY}`);
      // One round: at this latency the run is bound by the round trip, not by CPU, and varies little.
      const realistic: ThroughputRow[] = await measureThroughput(emulator, providerText, 500, [DEFAULT_CONCURRENCY], { rttMs: REALISTIC_RTT_MS, raw: false });
      report.throughput = {
        n: 500,
        defaultMaxConcurrency: DEFAULT_CONCURRENCY,
        realisticRttMs: REALISTIC_RTT_MS,
        loopback,
        hostCeiling: host,
        hostFloorAtPluginPace: { cpuMsPerCreate: paced.cpuMsPerCreate, spreadMs: Math.round(def.pluginCreateMs) },
        resourceLayer: layer,
        simulatedRtt: wan,
        realisticRtt: realistic,
      };
      for (const r of [...loopback, ...wan, ...realistic]) {
        const isDefault = r.maxConcurrency === DEFAULT_CONCURRENCY;
        // Judged at the default cap and a realistic request latency only. On loopback and at 20 ms the ratio
        // is a CPU diagnostic: Pulumi's plugin host alone costs about as much CPU as the client (rows below).
        const judged = isDefault && r.rttMs === REALISTIC_RTT_MS;
        rows.push({
          figure: `4. Rotations/s N=500 c=${r.maxConcurrency}${isDefault ? " (default)" : ""}, ${r.rttMs ? `${r.rttMs} ms RTT` : "loopback"}`,
          measured:
            `plugin ${r.pluginRps}, direct ${r.directRps}${r.rawRps ? `, raw ${r.rawRps}` : ""}; plugin/direct ${r.pluginVsDirect}` +
            `${r.directVsRaw ? `, direct/raw ${r.directVsRaw}` : ""}${r.pluginFailures ? `, ${r.pluginFailures} failed` : ""}`,
          target: judged ? "plugin/direct ≥ 0.8" : "—",
          pass: judged ? r.pluginVsDirect >= 0.8 && r.pluginFailures === 0 : r.pluginFailures > 0 ? false : undefined,
        });
      }
      rows.push({
        figure: "4.   Plugin host ceiling (no-op, same payload), loopback",
        measured: `${host.noopRps} Creates/s; CPU ms/Create: ${fmtCpu(host.cpuMsPerCreate)} (__provider ${Buffer.byteLength(hostText)} B)`,
        target: "—",
      });
      rows.push({
        figure: "4.   Plugin host floor at the plugin path's pace (no-op)",
        measured: `answers spread over ${Math.round(def.pluginCreateMs)} ms: CPU ms/Create: ${fmtCpu(paced.cpuMsPerCreate)}`,
        target: "—",
      });
      const pluginCpu = def.cpuMsPerRotation.plugin.plugin;
      const clientCpu = def.cpuMsPerRotation.direct.client;
      const floorCpu = paced.cpuMsPerCreate.plugin;
      if (pluginCpu !== undefined && clientCpu !== undefined && floorCpu !== undefined) {
        // What the plugin path costs beyond the two parts it cannot avoid: Pulumi's host answering at this pace,
        // and the client's own work.
        const beyond = round(pluginCpu - floorCpu - clientCpu, 2);
        // Bounds from CPU alone, for any plugin design. A path runs no faster than its busiest thread allows, nor
        // faster than all its processes' CPU spread over every core. The direct path's threads are the client and
        // the emulator; the plugin path's are the plugin (at least host floor + client), the emulator and the
        // engine stand-in, and only spreading the plugin's two parts over two threads could lift the first bound.
        const cores = os.cpus().length;
        const directEmu = def.cpuMsPerRotation.direct.emulator ?? 0;
        const directTime = Math.max(clientCpu, directEmu, (clientCpu + directEmu) / cores);
        const pluginTime = (threads: number[]) => Math.max(...threads, threads.reduce((a, b) => a + b, 0) / cores);
        const side = [def.cpuMsPerRotation.plugin.emulator ?? 0, def.cpuMsPerRotation.plugin.bench ?? 0];
        const oneThread = round(directTime / pluginTime([floorCpu + clientCpu, ...side]), 2);
        const twoThreads = round(directTime / pluginTime([floorCpu, clientCpu, ...side]), 2);
        report.pluginCpuBreakdown = { pluginMs: pluginCpu, hostFloorMs: floorCpu, clientMs: clientCpu, beyondMs: beyond, boundOneThread: oneThread, boundTwoThreads: twoThreads, cores };
        rows.push({
          figure: `4.   Plugin CPU/rotation = host floor + client + rest, c=${def.maxConcurrency} loopback`,
          measured: `${pluginCpu} = ${floorCpu} + ${clientCpu} ${beyond < 0 ? "−" : "+"} ${Math.abs(beyond)} ms`,
          target: "—",
        });
        rows.push({
          figure: `4.   Best plugin/direct that CPU allows, c=${def.maxConcurrency} loopback`,
          measured: `≈ ${oneThread} with the plugin on one thread (as Pulumi runs it); ≈ ${twoThreads} if split over two; measured ${def.pluginVsDirect}`,
          target: "—",
        });
      }
      rows.push({
        figure: `4.   Resource layer vs client, same process, c=${DEFAULT_CONCURRENCY} loopback`,
        measured: `${layer.rps}/s, CPU ${layer.cpuMsPerRotation} ms/rotation; AntonClient alone ${layer.clientRps}/s, ${layer.clientCpuMsPerRotation} ms`,
        target: "—",
      });
      rows.push({
        figure: `4.   CPU ms/rotation, c=${def.maxConcurrency} loopback`,
        measured: `plugin path: ${fmtCpu(def.cpuMsPerRotation.plugin)}; direct: ${fmtCpu(def.cpuMsPerRotation.direct)}`,
        target: "—",
      });
      const peakKb = Math.max(0, ...[...loopback, ...wan, ...realistic].map((r) => r.pluginPeakRssKb ?? 0));
      if (peakKb > 0) {
        report.peakRss = { kb: peakKb, creates: 500 + 200, note: "highest of every plugin run above: 200 warm-up Creates, then 500 in flight at once" };
        rows.push({ figure: "8. Plugin peak RSS (VmHWM), 200 + 500 Creates", measured: `${round(peakKb / 1024, 1)} MiB (highest of all runs above)`, target: "—" });
      }
    }

    if (only.has("coldstart")) {
      log("cold start: Anton vs no-op provider");
      const cs: ColdStartFigure = await measureColdStart(emulator, providerText, noopText);
      report.coldStart = cs;
      rows.push({ figure: "5. Cold start: spawn → first Create done", measured: `${cs.antonMs} ms vs no-op ${cs.noopMs} ms = ${cs.ratio}×`, target: "≤ 1.5×", pass: cs.ratio <= 1.5 });
      for (const [k, v] of Object.entries(cs.antonPhases)) if (k !== "total") rows.push({ figure: `5.   ${k}`, measured: `${v} ms (no-op ${cs.noopPhases[k] ?? "—"})`, target: "—" });
    }

    if (only.has("preview")) {
      log("preview: 500 resources");
      const pv: PreviewFigure = await measurePreview(emulator, providerText);
      report.preview = pv;
      rows.push({ figure: "6. Preview of 500: HTTP requests", measured: `client ${pv.httpRequests.client}, emulator ${pv.httpRequests.emulator}`, target: "0", pass: pv.httpRequests.client === 0 && pv.httpRequests.emulator === 0 });
      rows.push({ figure: "6. Preview: Check + Diff per resource", measured: `${pv.msPerResource} ms (500 concurrent), ${pv.sequentialMsPerResource} ms one at a time`, target: "—" });
    }
  } finally {
    await emulator.close();
  }

  if (only.has("ratelimit")) {
    log("rate limit: 500 rotations at 100 per 10 s (about 40 s)");
    const rl: RateLimitFigure = await measureRateLimit(providerText);
    report.rateLimit = rl;
    rows.push({
      figure: "7. 500 rotations under 100 req/10 s",
      measured: `${(rl.elapsedMs / 1000).toFixed(1)} s vs minimum ${rl.minimumMs / 1000} s = ${rl.ratio}×; ${rl.failures} failed, ${rl.http429} × 429`,
      target: "0 failed, ≤ 1.1×",
      pass: rl.failures === 0 && rl.ratio <= 1.1,
    });
  }

  if (only.has("engine")) {
    log("real engine: provisioning the pinned Pulumi CLI (test/support/pulumi-cli.sh)");
    const cli = spawnSync("bash", [path.join(root, "test", "support", "pulumi-cli.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const bin = cli.stdout.trim().split("\n").pop();
    if (cli.status !== 0 || !bin) throw new Error("the engine figure needs the Pulumi CLI; test/support/pulumi-cli.sh could not provide it (reason above)");
    const engineEmulator = await startEmulatorProcess({ rateLimit: false });
    try {
      log(`real engine: pulumi up of ${ENGINE_N} AntonWebhookSecrets at ${RTT_MS} ms latency vs ${ENGINE_N} no-op dynamic resources, plain and shaped like it, best of 2`);
      const e: EngineFigure = await measureEngine(engineEmulator, bin, { n: ENGINE_N, latencyMs: RTT_MS, providerBytes: Buffer.byteLength(providerText) });
      report.engine = e;
      rows.push({
        figure: `9. pulumi up of ${e.n} at ${e.latencyMs} ms latency: Anton vs no-op dynamic`,
        measured: `${e.antonUpMs} ms vs ${e.noopUpMs} ms = ${e.ratio}×`,
        target: "≤ 1.25×",
        pass: e.ratio <= 1.25,
      });
      rows.push({
        figure: `9.   Same, against ${e.n} no-op dynamic resources shaped like it (2 secret outputs, __provider as long)`,
        measured: `${e.antonUpMs} ms vs ${e.shapedUpMs} ms = ${e.shapedRatio}×`,
        target: "—",
      });
      // The engine runs 4 × cores steps at once by default (`--parallel`); a rotation is a read then a rotate.
      const parallel = 4 * os.cpus().length;
      const latencyFloorMs = Math.ceil(e.n / parallel) * 2 * e.latencyMs;
      rows.push({
        figure: `9.   Floor: the shaped no-op + ${e.n} read-then-rotate pairs at ${e.latencyMs} ms, ${parallel} at a time`,
        measured: `${e.shapedUpMs} + ${latencyFloorMs} ms = ${round((e.shapedUpMs + latencyFloorMs) / e.noopUpMs, 2)}× the plain no-op (measured ${e.ratio}×)`,
        target: "—",
      });
      const expected = 1 + 2 * e.n;
      rows.push({
        figure: `9. Anton requests of that up (keepPrevious)`,
        measured: `${e.requests.tokens} token + ${e.requests.rotates} rotate + ${e.requests.reads} read = ${e.requests.total}`,
        target: `1 + ${e.n} + ${e.n} = ${expected}`,
        pass: e.requests.tokens === 1 && e.requests.rotates === e.n && e.requests.reads === e.n && e.requests.total === expected,
      });
      rows.push({ figure: `9. pulumi preview of the ${e.n}, nothing due`, measured: `${e.preview.requests} requests, ${e.preview.wallMs} ms`, target: "0 requests", pass: e.preview.requests === 0 });
    } finally {
      await engineEmulator.close();
    }
  }

  if (only.has("webhooks")) {
    log(`webhooks: cold import of ${ANTON} vs ${PEER}, fresh processes`);
    const wh: WebhooksImportFigure = measureWebhooksImport(root);
    report.webhooksImport = wh;
    rows.push({
      figure: `10. Cold import: ${ANTON} vs ${PEER}`,
      measured: `${wh.importMs.anton} ms vs ${wh.importMs.peer} ms = ${wh.ratio}× (median of ${wh.rounds}; ${wh.modules.anton} vs ${wh.modules.peer} modules)`,
      target: "≤ 2×",
      pass: wh.ratio <= 2,
    });
    rows.push({
      figure: "10.   Cold import + first verify",
      measured: `${wh.importAndFirstVerifyMs.anton} ms vs ${wh.importAndFirstVerifyMs.peer} ms (Anton loads node:crypto at the first verify)`,
      target: "—",
    });
    rows.push({
      figure: `10.   Verify throughput, ${wh.bodyBytes} B body, 1 secret`,
      measured: `${wh.verifiesPerSecond.anton}/s vs ${wh.verifiesPerSecond.peer}/s = ${round(wh.verifiesPerSecond.anton / wh.verifiesPerSecond.peer)}×`,
      target: "—",
    });
  }

  report.rows = rows;
  report.durationSeconds = round((now() - started) / 1000, 1);
  const file = path.join(root, "bench-results.json");
  writeReport(file, report);
  console.log(formatTable(rows));
  console.log(`\n${rows.filter((r) => r.pass === false).length} short of target; ${report.durationSeconds} s; report written to ${path.relative(process.cwd(), file) || file}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
