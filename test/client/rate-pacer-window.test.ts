/**
 * The pacer's early wake under a rolling window, on a simulated clock: the
 * emulator's rolling-window limiter as the server, 2 ms per request, and a
 * sleep that advances the clock. No wall-clock timing is asserted.
 */
import { describe, expect, it } from "vitest";
import { RatePacer, type PacedResponse } from "../../provider/client/rate-pacer";
import { RateLimiter } from "../../provider/emulator/rate-limiter";

const LIMIT = 100;
const WINDOW_MS = 10_000;

function simulate(
  opts: {
    headers?: "full" | "no-limit" | "none";
    beforeSleep?: (clock: number, ms: number) => void;
    start?: number;
    windowMs?: number;
    /** Requests already on the wire are answered before a pause's clock jump (at their own time), as with real timers. */
    answerInFlightFirst?: boolean;
  } = {},
) {
  const start = opts.start ?? 1_000_000_437; // not on a second boundary
  let clock = start;
  const limiter = new RateLimiter(LIMIT, opts.windowMs ?? WINDOW_MS);
  const sleeps: number[] = [];
  const pacer = new RatePacer(
    () => clock,
    async (ms) => {
      opts.beforeSleep?.(clock, ms);
      sleeps.push(ms);
      const until = clock + ms;
      if (opts.answerInFlightFirst) await new Promise((resolve) => setImmediate(resolve));
      clock = Math.max(clock, until);
    },
  );
  let refused = 0;
  const accepted: number[] = [];
  const serverCheck = (at: number) => limiter.check("m", at);
  async function call(): Promise<void> {
    for (;;) {
      const settle = await pacer.admit();
      settle.sending();
      await Promise.resolve();
      clock += 2;
      const checkedAt = clock;
      const d = limiter.check("m", checkedAt);
      const headers: PacedResponse["headers"] =
        opts.headers === "none"
          ? {}
          : {
              ...(opts.headers === "no-limit" ? {} : { "x-ratelimit-limit": String(d.limit) }),
              "x-ratelimit-remaining": String(d.remaining),
              "x-ratelimit-reset": String(d.resetSeconds),
              ...(d.allowed ? {} : { "retry-after": String(d.retryAfterSeconds) }),
            };
      await Promise.resolve();
      settle({ status: d.allowed ? 200 : 429, headers });
      if (d.allowed) {
        accepted.push(checkedAt); // when the server counted it (other calls may have moved the clock since)
        return;
      }
      refused += 1;
      // The client waits Retry-After on a 429 (here: the clock only moves through sleeps and requests).
    }
  }
  return {
    run: async (n: number) => {
      await Promise.all(Array.from({ length: n }, () => call()));
      return { elapsedMs: clock - start, refused, sleeps, accepted };
    },
    serverCheck,
    now: () => clock,
  };
}

describe("rate pacer: waking from the learned window", () => {
  it("500 requests at 100 per 10 s: no 429, and each pause ends before the rounded-up Reset", async () => {
    const sim = simulate();
    const withLimit = await sim.run(500);
    expect(withLimit.refused).toBe(0);
    const reset = simulate({ headers: "no-limit" }); // no X-RateLimit-Limit: pauses end at Reset, as before
    const byReset = await reset.run(500);
    expect(byReset.refused).toBe(0);
    // The rolling minimum is 40 s of simulated time; waking at Reset loses the rounding on every pause.
    expect(withLimit.elapsedMs).toBeGreaterThanOrEqual(40_000);
    expect(withLimit.elapsedMs).toBeLessThan(byReset.elapsedMs);
  });

  it("Reset rounded up by almost 1 s: only the first pause pays it; later ones end within ms of the slot freeing", async () => {
    // The first request arrives 3 ms past a second boundary, so every Reset is ~997 ms late. Before the pacer learned
    // the window from Remaining, the first probe's rounding stayed in its bound and every pause was ~1 s late.
    const sim = simulate({ start: 1_000_000_001, answerInFlightFirst: true });
    const r = await sim.run(500);
    expect(r.refused).toBe(0);
    // Request k needs the slot request k − LIMIT held; the first window can only be learned from Reset.
    const late = r.accepted.slice(LIMIT).map((at, i) => at - (r.accepted[i]! + WINDOW_MS));
    expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...late.slice(0, LIMIT))).toBeLessThanOrEqual(1_000 + 100);
    expect(Math.max(...late.slice(LIMIT))).toBeLessThanOrEqual(250);
  });

  it("a probe that finds requests gone learns the window from Remaining, and the next pause ends before Reset", async () => {
    const base = 1_000_000_000_000;
    let clock = base + 10;
    const sleeps: number[] = [];
    let endPause: (() => void) | undefined;
    const pacer = new RatePacer(
      () => clock,
      (ms) =>
        new Promise<void>((resolve) => {
          sleeps.push(ms);
          endPause = () => {
            clock += ms;
            resolve();
          };
        }),
    );
    const flush = async () => {
      for (let i = 0; i < 10; i++) await Promise.resolve();
    };
    // Limit 4 per 10 s. The server's check is 1 ms after the send, its answer 1 ms after that.
    const answer = (remaining: number, oldestArrival: number) => ({
      status: 200,
      headers: { "x-ratelimit-limit": "4", "x-ratelimit-remaining": String(remaining), "x-ratelimit-reset": String(Math.ceil((oldestArrival + 10_000) / 1000)) },
    });
    const send = async (at: number, remaining: number, oldestArrival: number, settle?: Awaited<ReturnType<RatePacer["admit"]>>) => {
      clock = base + at;
      settle ??= await pacer.admit();
      settle.sending();
      clock += 2;
      settle(answer(remaining, oldestArrival));
    };
    await send(10, 3, base + 11); // r1 arrives at 11: Reset 11 000, rounded up by 989 ms
    await send(990, 2, base + 11); // r2 arrives at 991
    await send(1_500, 1, base + 11); // r3 arrives at 1 501
    await send(1_510, 0, base + 11); // r4 arrives at 1 511: full, pause until Reset (11 000)
    const r5 = pacer.admit();
    await flush();
    expect(sleeps).toEqual([11_000 - 1_512]);
    endPause!();
    // The probe at 11 000: r1 and r2 have left, r3 and r4 have not (Remaining 1). So the window is at most
    // 11 002 − 990 (r2's send), not Reset's 12 000 − 1 500 (r3 is now the oldest).
    await send(11_000, 1, base + 1_501, await r5);
    await send(11_010, 0, base + 1_501); // r6 fills the window: the next slot is r3's, free at 11 501
    const r7 = pacer.admit();
    await flush();
    const wake = 11_012 + sleeps[1]!;
    expect(wake).toBeGreaterThanOrEqual(11_502); // never before the slot frees (r3 answered at 1 502)
    expect(wake).toBeLessThan(11_600); // and not at Reset (12 000)
    void r7;
  });

  it("a window that is not whole seconds: one probe woken by the rounded-down window is refused, then no more", async () => {
    const sim = simulate({ windowMs: 10_500, answerInFlightFirst: true });
    const r = await sim.run(500);
    expect(r.accepted.length).toBe(500);
    expect(r.refused).toBe(1);
    // Without the rounding it still learns the window and wakes before Reset.
    const byReset = await simulate({ windowMs: 10_500, answerInFlightFirst: true, headers: "no-limit" }).run(500);
    expect(r.elapsedMs).toBeLessThan(byReset.elapsedMs);
  });

  it("another client taking the freed slots: an early probe is refused once, then the pacer waits Retry-After and wakes later", async () => {
    let pauses = 0;
    let sim: ReturnType<typeof simulate> | undefined = undefined;
    sim = simulate({
      beforeSleep: (clock, ms) => {
        // During three pauses, another process sharing the window grabs every slot that frees up to
        // just before our wake, so the slot the pacer expects is gone.
        if (ms < 50 || ++pauses < 3 || pauses > 5) return;
        for (let t = clock + 1; t < clock + ms; t += 5) while (sim!.serverCheck(t).allowed);
      },
    });
    const r = await sim.run(400);
    expect(r.accepted.length).toBe(400);
    // Never a storm: refusals come only from single probes.
    expect(r.refused).toBeGreaterThan(0);
    expect(r.refused).toBeLessThanOrEqual(6);
  });

  it("a server without rate-limit headers is never paced", async () => {
    const sim = simulate({ headers: "none" });
    const r = await sim.run(300);
    expect(r.sleeps).toEqual([]);
    expect(r.refused).toBeGreaterThan(0); // the server limits, but says nothing: the 429s are the caller's
  });
  it("a late answer from before a pause does not reopen the window when the pause ends", async () => {
    let clock = 1_000_000_000;
    let endPause: (() => void) | undefined;
    const pacer = new RatePacer(
      () => clock,
      (ms) =>
        new Promise<void>((resolve) => {
          endPause = () => {
            clock += ms;
            resolve();
          };
        }),
    );
    const answer = (remaining: number) => ({
      status: 200,
      headers: { "x-ratelimit-limit": "10", "x-ratelimit-remaining": String(remaining), "x-ratelimit-reset": String(Math.ceil(clock / 1000) + 5) },
    });
    (await pacer.admit())(answer(9)); // the first request learns: 9 more may go
    const batch = await Promise.all(Array.from({ length: 9 }, () => pacer.admit())); // requests 2..10
    batch[8]!(answer(0)); // request 10: the window is full, pause
    batch[7]!(answer(5)); // request 9's answer arrives after it, out of order: stale
    let admitted = 0;
    const waiting = Array.from({ length: 5 }, () => pacer.admit().then((settle) => (admitted++, settle)));
    endPause!();
    for (let i = 0; i < 10; i++) await Promise.resolve();
    // Requests 2..8 are still in flight: only a probe may go once they are answered, not 4 on stale credits.
    expect(admitted).toBe(0);
    for (const settle of batch.slice(0, 7)) settle(answer(0));
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(admitted).toBeLessThanOrEqual(1);
    void waiting;
  });
});
