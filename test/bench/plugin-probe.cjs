// Preloaded into the dynamic-provider plugin (NODE_OPTIONS=--require) by the
// benchmark. It counts what the client inside the plugin does, through the
// client's own diagnostics channels, and timestamps the cold-start phases.
// On SIGTERM (how the engine and the bench stop a plugin) it writes the tally
// to ANTON_BENCH_PROBE_OUT and exits. It records no ids, headers or bodies.
const dc = require("node:diagnostics_channel");
const fs = require("node:fs");
const Module = require("node:module");
const { performance } = require("node:perf_hooks");

const now = () => performance.timeOrigin + performance.now();
const probe = {
  bootedAt: now(),
  processStartAt: performance.timeOrigin,
  requests: {},
  statuses: {},
  requestsTotal: 0,
  tokens: 0,
  retries: {},
  rateLimitWaits: 0,
  rateLimitWaitMs: 0,
  marks: {},
  durations: {},
};
const mark = (name, at = now()) => {
  if (probe.marks[name] === undefined) probe.marks[name] = at;
};

dc.subscribe("pulumi-anton:request", (e) => {
  const key = `${e.method} ${e.route}`;
  probe.requests[key] = (probe.requests[key] || 0) + 1;
  probe.statuses[e.status ?? e.statusClass] = (probe.statuses[e.status ?? e.statusClass] || 0) + 1;
  probe.requestsTotal += 1;
  if (probe.durations[`first ${key}`] === undefined) probe.durations[`first ${key}`] = e.durationMs;
  mark(`first ${key}`);
});
dc.subscribe("pulumi-anton:token", (e) => {
  probe.tokens += 1;
  if (probe.durations.firstToken === undefined) probe.durations.firstToken = e.durationMs;
  mark("firstToken");
});
dc.subscribe("pulumi-anton:retry", (e) => {
  probe.retries[e.reason] = (probe.retries[e.reason] || 0) + 1;
});
dc.subscribe("pulumi-anton:rate-limit", (e) => {
  probe.rateLimitWaits += 1;
  probe.rateLimitWaitMs += e.waitMs;
});

// Time the load of the provider implementation and the DPoP key import without touching product code.
const load = Module._load;
Module._load = function (request) {
  const start = now();
  const result = load.apply(this, arguments);
  if (request === "pulumi-anton/dynamic" && probe.durations.moduleLoad === undefined) {
    probe.durations.moduleLoad = now() - start;
    mark("moduleLoaded");
  }
  if (result && typeof result.importDpopKey === "function" && !result.importDpopKey.__benchTimed) {
    const original = result.importDpopKey;
    const timed = function () {
      const t0 = now();
      try {
        return original.apply(this, arguments);
      } finally {
        probe.durations.keyImportTotal = (probe.durations.keyImportTotal || 0) + (now() - t0);
        probe.keyImports = (probe.keyImports || 0) + 1;
        if (probe.durations.firstKeyImport === undefined) probe.durations.firstKeyImport = now() - t0;
      }
    };
    timed.__benchTimed = true;
    try {
      result.importDpopKey = timed;
    } catch {
      // A frozen exports object: key import stays untimed.
    }
  }
  return result;
};

function peakRssKb() {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function flush() {
  const out = process.env.ANTON_BENCH_PROBE_OUT;
  if (!out) return;
  probe.peakRssKb = peakRssKb();
  probe.maxRssKb = Math.round(process.resourceUsage().maxRSS);
  fs.writeFileSync(out, JSON.stringify(probe));
}

process.on("SIGTERM", () => {
  flush();
  process.exit(0);
});
