/**
 * A dynamic-provider plugin process with the probe preloaded, configured the way
 * the engine configures it, plus the engine's `pulumi up` sequence for many resources.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { messages, startPlugin, Struct, urnOf, wrapSecret, type Plugin, type Props } from "../support/plugin";
import { frame, unaryClient } from "./grpc-unary";
import { cpuMeter, now } from "./stats";

/** What the probe (./plugin-probe.cjs) reports from inside the plugin. */
export interface ProbeReport {
  processStartAt: number;
  bootedAt: number;
  requests: Record<string, number>;
  statuses: Record<string, number>;
  requestsTotal: number;
  tokens: number;
  retries: Record<string, number>;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  marks: Record<string, number>;
  durations: Record<string, number>;
  keyImports?: number;
  peakRssKb?: number;
}

export interface ProbedPlugin {
  plugin: Plugin;
  /** Wall-clock ms (performance.timeOrigin based) when the spawn started / the plugin printed its port. */
  spawnedAt: number;
  readyAt: number;
  /** VmHWM of the plugin process right now, in kB. */
  peakRssKb(): number | undefined;
  /** Stops the plugin (SIGTERM) and returns the probe's tally. */
  finish(): Promise<ProbeReport>;
}

const PROBE = path.join(__dirname, "plugin-probe.cjs");
const CREATE = "/pulumirpc.ResourceProvider/Create";

/** Spawns and configures a plugin; `env` reaches the plugin (e.g. ANTON_MAX_CONCURRENCY). */
export async function startProbedPlugin(opts: { config?: Record<string, string>; env?: Record<string, string> } = {}): Promise<ProbedPlugin> {
  const dir = mkdtempSync(path.join(tmpdir(), "anton-bench-"));
  const out = path.join(dir, "probe.json");
  const spawnedAt = now();
  const plugin = await startPlugin({ env: { NODE_OPTIONS: `--require ${PROBE}`, ANTON_BENCH_PROBE_OUT: out, ...opts.env } });
  const readyAt = now();
  if (opts.config) {
    // The engine sends secret config values wrapped as secrets.
    const secret = new Set(["anton:clientSecret", "anton:dpopPrivateKey"]);
    try {
      await plugin.configure(Object.fromEntries(Object.entries(opts.config).map(([k, v]) => [k, secret.has(k) ? wrapSecret(v) : v])));
    } catch (err) {
      // Never leave a plugin process behind when the bench fails.
      await plugin.close();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  return {
    plugin,
    spawnedAt,
    readyAt,
    peakRssKb: () => {
      try {
        const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${plugin.pid}/status`, "utf8"));
        return m ? Number(m[1]) : undefined;
      } catch {
        return undefined;
      }
    },
    async finish() {
      await plugin.close();
      try {
        return JSON.parse(readFileSync(out, "utf8")) as ProbeReport;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface UpResult {
  /** Wall ms of the Create phase (all Creates in flight at once). */
  createMs: number;
  outputs: Props[];
  failures: string[];
  /** CPU ms per process over the Create phase alone, when `cpuOf` was given. */
  createCpuMs?: Record<string, number>;
}

/**
 * `pulumi up` of new resources as the engine runs it with unbounded --parallel:
 * Check for each, then every Create in flight at once (only the Creates are timed).
 *
 * The engine is a Go process whose gRPC and protobuf work per call is a small
 * fraction of this JavaScript harness's, and on 2 cores every harness
 * millisecond is taken from the plugin. So the Create requests are encoded
 * before the clock starts, sent over plain HTTP/2 (./grpc-unary), and decoded
 * after it stops: the timed phase holds the plugin's work and the transport.
 */
export async function upAll(
  plugin: Plugin,
  providerText: string,
  ids: string[],
  args: Props,
  prefix = "r",
  cpuOf?: Record<string, number>,
): Promise<UpResult> {
  const checked = await Promise.all(
    ids.map(async (webhookId, i) => {
      const urn = urnOf(`${prefix}-${i}`);
      const res = await plugin.check(urn, {}, { ...args, webhookId, __provider: providerText });
      if (res.failures.length) throw new Error(`check failed: ${res.failures.map((f) => f.property).join(", ")}`);
      return { urn, inputs: res.inputs };
    }),
  );
  const requests = checked.map((c) => {
    const req = new messages.CreateRequest();
    req.setUrn(c.urn);
    req.setProperties(Struct.fromJavaScript(c.inputs));
    return frame(req.serializeBinary());
  });
  const client = unaryClient(plugin.address);
  try {
    await client.ready;
    const createOne = (framed: Buffer) => client.call(CREATE, framed);
    const cpu = cpuOf && cpuMeter(cpuOf);
    const t0 = now();
    const settled = await Promise.allSettled(requests.map(createOne));
    const createMs = now() - t0;
    const createCpuMs = cpu?.();
    const outputs: Props[] = [];
    const failures: string[] = [];
    for (const s of settled) {
      if (s.status === "fulfilled") outputs.push(messages.CreateResponse.deserializeBinary(s.value).getProperties().toJavaScript());
      else failures.push(String((s.reason as Error)?.message ?? s.reason).slice(0, 200));
    }
    return { createMs, outputs, failures, ...(createCpuMs ? { createCpuMs } : {}) };
  } finally {
    client.close();
  }
}
