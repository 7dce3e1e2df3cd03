/** Small numeric helpers for the benchmark. */
import { performance } from "node:perf_hooks";

/** Wall-clock ms with sub-ms resolution, comparable across processes on one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The least time a rolling-window limiter allows for `requests` requests when
 * it accepts `limit` per `windowMs`: request k cannot be accepted before
 * request k−limit has left the window, so the last request (k = requests−1)
 * starts at least floor((requests−1)/limit) windows after the first.
 * For 500 requests at 100 per 10 s that is 4 × 10 s = 40 s (= ceil(500/100 − 1) × 10 s).
 */
export function rollingWindowMinimumMs(requests: number, limit: number, windowMs: number): number {
  if (requests <= 0) return 0;
  return Math.floor((requests - 1) / limit) * windowMs;
}

export const round = (v: number, digits = 2): number => Number(v.toFixed(digits));

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); undefined elsewhere. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8") as string;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (clock ticks, 100 Hz on Linux).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU ms used by each named process between `start()` and the returned `stop()`. */
export function cpuMeter(pids: Record<string, number>): () => Record<string, number> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMsOf(pid) ?? NaN]));
  return () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, (cpuMsOf(pid) ?? NaN) - before[k]!]));
}
