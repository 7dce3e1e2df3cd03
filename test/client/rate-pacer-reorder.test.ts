/**
 * The pacer when requests reach the server in a different order than the
 * pacer admitted them (connections of unequal latency, a proxy, retries).
 *
 * A discrete-event simulation on a virtual clock: the pacer admits in FIFO
 * order, then each request waits for one of `concurrency` connection slots
 * (as in the client), spends a seeded random 1..`maxDelayMs` on the wire to the
 * server and as long again back, and is counted by the emulator's
 * rolling-window limiter on arrival. No wall-clock timing is asserted.
 */
import { describe, expect, it } from "vitest";
import { RatePacer, type PacedResponse } from "../../provider/client/rate-pacer";
import { RateLimiter } from "../../provider/emulator/rate-limiter";

/** Deterministic PRNG (mulberry32), so a failing run replays exactly. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SimOptions {
  limit: number;
  windowMs: number;
  requests: number;
  concurrency?: number;
  /** Upper bound of each one-way delay; 1 keeps arrival order equal to send order. */
  maxDelayMs: number;
  seed?: number;
  /**
   * How calls are issued: all at once (the default, `pulumi up` with unbounded --parallel), at most `parallel` at
   * a time (a closed loop, `pulumi up --parallel N`), or one every `everyMs` (an open loop).
   */
  issue?: { parallel: number } | { everyMs: number };
  /**
   * What goes wrong with the k-th request to reach the server (1-based): "lost", counted but its answer never
   * arrives (a timeout, a reset); "503", counted, answered 503 without headers; "401", not authenticated, so
   * counted and reported in a per-address window; "bare", counted, answered 200 without rate-limit headers;
   * "uncounted503", not counted, answered 503 with the window's headers (the emulator's injected faults);
   * "nonce401", counted, answered 401 use_dpop_nonce with the window's headers. The call retries all but "bare".
   */
  fault?: (k: number) => "lost" | "503" | "401" | "bare" | "uncounted503" | "nonce401" | undefined;
  /** Whether the k-th admitted request ends before it is sent (a failed token mint, say); the call tries again. */
  unsent?: (k: number) => boolean;
}

async function simulate(o: SimOptions) {
  const start = 1_000_000_437; // not on a second boundary
  let clock = start;
  const timers: Array<{ at: number; n: number; fire: () => void }> = [];
  let timerSeq = 0;
  const at = (ms: number) =>
    new Promise<void>((resolve) => {
      timers.push({ at: clock + Math.max(0, ms), n: timerSeq++, fire: resolve });
    });
  const random = rng(o.seed ?? 1);
  const limiter = new RateLimiter(o.limit, o.windowMs);
  let pauses = 0;
  let longestPause = 0;
  const pacer = new RatePacer(() => clock, (ms) => (pauses++, (longestPause = Math.max(longestPause, ms)), at(ms)));

  // Connection slots, FIFO, as the client's transport.
  let free = o.concurrency ?? 16;
  const slotWaiters: Array<() => void> = [];
  const acquire = () => (free > 0 ? (free--, Promise.resolve()) : new Promise<void>((r) => slotWaiters.push(r)));
  const release = () => (slotWaiters.length > 0 ? slotWaiters.shift()!() : free++);

  let refused = 0;
  let done = 0;
  let arrivals = 0;
  let admissions = 0;
  /** Requests the server counted in the merchant's window. */
  let counted = 0;
  async function call(): Promise<void> {
    for (;;) {
      const settle = await pacer.admit();
      if (o.unsent?.(++admissions)) {
        settle();
        continue;
      }
      await acquire();
      settle.sending();
      await at(1 + Math.floor(random() * o.maxDelayMs));
      const fault = o.fault?.(++arrivals);
      const d = fault === "401" ? undefined : limiter.check("m", clock, fault !== "uncounted503");
      if (d?.allowed && fault !== "uncounted503") counted++;
      await at(1 + Math.floor(random() * o.maxDelayMs));
      release();
      if (!d) {
        // As the emulator does: an unauthenticated request is limited, and reported, per address.
        const a = limiter.check("address", clock);
        settle({ status: 401, headers: { "x-ratelimit-limit": String(a.limit), "x-ratelimit-remaining": String(a.remaining), "x-ratelimit-reset": String(a.resetSeconds) } });
        continue;
      }
      const window = { "x-ratelimit-limit": String(d.limit), "x-ratelimit-remaining": String(d.remaining), "x-ratelimit-reset": String(d.resetSeconds) };
      if ((fault === "lost" || fault === "503") && d.allowed) {
        settle(fault === "lost" ? undefined : { status: 503, headers: {} });
        continue;
      }
      if ((fault === "uncounted503" || fault === "nonce401") && d.allowed) {
        const auth = fault === "nonce401" ? { "www-authenticate": 'DPoP error="use_dpop_nonce"' } : {};
        settle({ status: fault === "nonce401" ? 401 : 503, headers: { ...window, ...auth } });
        continue;
      }
      const headers: PacedResponse["headers"] =
        fault === "bare" && d.allowed
          ? {}
          : {
              "x-ratelimit-limit": String(d.limit),
              "x-ratelimit-remaining": String(d.remaining),
              "x-ratelimit-reset": String(d.resetSeconds),
              ...(d.allowed ? {} : { "retry-after": String(d.retryAfterSeconds) }),
            };
      settle({ status: d.allowed ? 200 : 429, headers });
      if (d.allowed) return void done++;
      refused += 1;
      await at(d.retryAfterSeconds * 1000);
    }
  }

  let all: Promise<unknown>;
  const issue = o.issue;
  if (issue && "parallel" in issue) {
    let issued = 0;
    const worker = async () => {
      while (issued < o.requests) {
        issued++;
        await call();
      }
    };
    all = Promise.all(Array.from({ length: issue.parallel }, worker));
  } else if (issue) {
    all = Promise.all(Array.from({ length: o.requests }, async (_, i) => (await at(i * issue.everyMs), call())));
  } else {
    all = Promise.all(Array.from({ length: o.requests }, () => call()));
  }
  const settleMicrotasks = () => new Promise<void>((r) => setImmediate(r));
  for (;;) {
    await settleMicrotasks();
    if (done === o.requests) break;
    if (timers.length === 0) throw new Error(`simulation stalled with ${o.requests - done} requests unfinished`);
    timers.sort((a, b) => a.at - b.at || a.n - b.n);
    const next = timers.shift()!;
    clock = Math.max(clock, next.at);
    next.fire();
  }
  await all;
  // The limit's minimum for what the server counted: request k waits for request k − limit to leave the window.
  const minimumMs = Math.floor((counted - 1) / o.limit) * o.windowMs;
  return { elapsedMs: clock - start, refused, pauses, longestPause, minimumMs };
}

const WINDOW_MS = 60_000;
const DELAYS = [1, 40, 400];
const ISSUES: Array<[string, SimOptions["issue"]]> = [
  ["all at once", undefined],
  ["--parallel 16", { parallel: 16 }],
  ["--parallel 64", { parallel: 64 }],
  ["one every 5 ms", { everyMs: 5 }],
];
const CASES = ISSUES.flatMap(([name, issue]) =>
  [4, 16, 64].flatMap((concurrency) => DELAYS.map((maxDelayMs) => ({ name, issue, concurrency, maxDelayMs }))),
);

describe("rate pacer: requests that reach the server out of order", () => {
  it.each(CASES)("$name, c=$concurrency, one-way delay 1..$maxDelayMs ms: 1000 requests under 1000 per 60 s never pause, no 429", async (c) => {
    const r = await simulate({ limit: 1000, windowMs: WINDOW_MS, requests: 1000, ...c });
    expect(r.refused).toBe(0);
    expect(r.pauses).toBe(0);
  });

  it.each(CASES)("$name, c=$concurrency, one-way delay 1..$maxDelayMs ms: 1200 requests under 1000 per 60 s cost at most one window, no 429", async (c) => {
    const limited = await simulate({ limit: 1000, windowMs: WINDOW_MS, requests: 1200, ...c });
    const unlimited = await simulate({ limit: 1_000_000, windowMs: WINDOW_MS, requests: 1200, ...c });
    expect(limited.refused).toBe(0);
    expect(unlimited.pauses).toBe(0);
    // Request 1001 waits for request 1's slot: one window after it was counted, plus Reset's whole-second rounding.
    expect(limited.elapsedMs - unlimited.elapsedMs).toBeLessThan(WINDOW_MS + 2_000);
  });

  it.each(ISSUES.flatMap(([name, issue]) => [1, 2, 3].map((seed) => ({ name, issue, seed }))))(
    "$name, seed $seed: 500 requests under 100 per 10 s with one-way delays of 1..40 ms: no 429, within 1.1× the limit's minimum",
    async ({ issue, seed }) => {
      const r = await simulate({ limit: 100, windowMs: 10_000, requests: 500, maxDelayMs: 40, seed, issue });
      expect(r.refused).toBe(0);
      // The 401st request goes at 40 s at the earliest.
      expect(r.elapsedMs).toBeGreaterThan(40_000);
      expect(r.elapsedMs).toBeLessThan(44_000);
    },
  );

  describe("answers that carry no count", () => {
    const issues = ISSUES.map(([name, issue]) => ({ name, issue }));
    const run = (issue: SimOptions["issue"], extra: Partial<SimOptions>) => simulate({ limit: 100, windowMs: 10_000, requests: 300, maxDelayMs: 40, issue, ...extra });
    // Within 1.1× the limit's minimum for what the server counted (retries included), plus a second.
    const withinLimit = (r: { elapsedMs: number; minimumMs: number }) => expect(r.elapsedMs).toBeLessThan(r.minimumMs * 1.1 + 1_000);

    // Requests 100, 200, ... fill each window; a fault on their answer hides the one answer saying "window full".
    const fills = (fault: NonNullable<ReturnType<NonNullable<SimOptions["fault"]>>>) => (k: number) => (k % 100 === 0 ? fault : undefined);
    const faults: Array<[string, Partial<SimOptions>]> = [
      ["the answer to the request that fills each window is lost", { fault: fills("lost") }],
      ["the same with a 503 without headers", { fault: fills("503") }],
      ["the same answered 200 without rate-limit headers", { fault: fills("bare") }],
      ["the same answered 401 use_dpop_nonce, counted in the merchant's window", { fault: fills("nonce401") }],
      ["1 in 50 requests answered 503 with the window's headers but not counted", { fault: (k) => (k % 50 === 7 ? "uncounted503" : undefined) }],
      ["1 in 50 admitted requests end before they are sent", { unsent: (k) => k % 50 === 7 }],
    ];
    it.each(issues.flatMap(({ name, issue }) => faults.map(([what, extra]) => ({ name, what, issue, extra }))))(
      "$name: $what: no 429, no extra window",
      async ({ issue, extra }) => {
        const r = await run(issue, extra);
        expect(r.refused).toBe(0);
        withinLimit(r);
      },
    );

    it.each(issues)("$name: 401s with another window's headers, the first answer after each full window among them: pacing holds, no 429", async ({ issue }) => {
      const fault = (k: number) => (k % 50 === 7 || (k > 100 && k % 100 === 1) ? "401" : undefined);
      const r = await simulate({ limit: 100, windowMs: 10_000, requests: 500, maxDelayMs: 40, issue, fault });
      expect(r.refused).toBe(0);
      expect(r.elapsedMs).toBeLessThan(44_000);
    });

    it.each(issues)("$name: the first answer after each full window has no rate-limit headers: pacing holds, no 429", async ({ issue }) => {
      // Requests 101, 201, ... are the probes after each pause: one answer without headers must not lift the pacing.
      const r = await simulate({ limit: 100, windowMs: 10_000, requests: 500, maxDelayMs: 40, issue, fault: (k) => (k > 100 && k % 100 === 1 ? "bare" : undefined) });
      expect(r.refused).toBe(0);
      expect(r.elapsedMs).toBeLessThan(44_000);
    });
  });
});
