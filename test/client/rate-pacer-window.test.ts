/**
 * The pacer's early wake under a rolling window, on a simulated clock: the
 * emulator's rolling-window limiter as the server, 2 ms per request, and a
 * sleep that advances the clock. No wall-clock timing is asserted.
 */
import { describe, expect, it } from "vitest";
import { RatePacer, type PacedResponse } from "../../provider/client/rate-pacer";
import { RateLimiter } from "../emulator/rate-limiter";

const LIMIT = 100;
const WINDOW_MS = 10_000;

function simulate(opts: { headers?: "full" | "no-limit" | "none"; beforeSleep?: (clock: number, ms: number) => void } = {}) {
  const start = 1_000_000_437; // not on a second boundary
  let clock = start;
  const limiter = new RateLimiter(LIMIT, WINDOW_MS);
  const sleeps: number[] = [];
  const pacer = new RatePacer(
    () => clock,
    async (ms) => {
      opts.beforeSleep?.(clock, ms);
      sleeps.push(ms);
      clock += ms;
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
      const d = limiter.check("m", clock);
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
        accepted.push(clock);
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
