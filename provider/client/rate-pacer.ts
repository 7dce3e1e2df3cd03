/**
 * Client-side pacing under Anton's per-merchant rolling-window rate limit.
 *
 * Retrying on 429 alone makes every queued call hit the limit once per window:
 * with 500 rotations under 100 requests per 10 s, most calls spend an attempt
 * per window and run out of attempts. The pacer instead reads
 * `X-RateLimit-Remaining`/`-Reset` from every successful /v1 response and
 * holds calls back while the window is known to be full, so each request is
 * sent when it can be accepted.
 *
 * A server that sends no rate-limit headers is never paced. A 429 is left to
 * the call that got it (it waits `Retry-After` and retries): a 429 may come
 * from elsewhere (a proxy, another process sharing the merchant's window), and
 * its `Reset` can be a full window away, so it must not stall every call.
 */
import { parseRetryAfter } from "./retry";

/** What the pacer needs from a response. */
export interface PacedResponse {
  status: number;
  headers: Record<string, string | undefined>;
}

/** Longest pause the pacer will take from a header; anything longer is treated as nonsense. */
const MAX_PAUSE_MS = 15 * 60_000;

export class RatePacer {
  /**
   * Requests the server will still accept in this window, minus those already
   * admitted. `undefined` while unknown (at the start and after a pause): one
   * probe request at a time then finds out. `Infinity` once the server has
   * shown it sends no rate-limit headers.
   */
  #credits: number | undefined = undefined;
  #inFlight = 0;
  /** Requests admitted so far (a sequence number). */
  #taken = 0;
  #resumeAt = 0;
  #waiters: Array<(seq: number) => void> = [];
  #sleeping = false;
  /** Whether the server has reported its window (so a 429 on a probe means "wait"). */
  #paced = false;

  constructor(
    private readonly now: () => number,
    /** The client's sleep, so tests that record waits instead of sleeping also skip these. */
    private readonly sleep: (ms: number) => Promise<void>,
    /** Server clock minus local clock, in ms (to read `X-RateLimit-Reset`, which is absolute). */
    private readonly serverOffsetMs: () => number = () => 0,
  ) {}

  /**
   * Waits until a request may be sent (FIFO), then counts it as in flight.
   * Returns the function to call with its response (or with nothing when no
   * response came); calling it again has no effect.
   */
  async admit(signal?: AbortSignal): Promise<(res?: PacedResponse) => void> {
    let seq: number;
    if (this.#waiters.length === 0 && this.#mayTake()) {
      seq = this.#take();
    } else {
      // #pump counts the request as taken when it wakes us.
      seq = await new Promise<number>((resolve, reject) => {
        const onAbort = () => {
          this.#waiters = this.#waiters.filter((w) => w !== wake);
          reject(signal!.reason);
        };
        const wake = (taken: number) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(taken);
        };
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiters.push(wake);
        this.#pump();
      });
    }
    const probe = this.#credits === undefined;
    let settled = false;
    return (res) => {
      if (settled) return;
      settled = true;
      this.#inFlight -= 1;
      if (res) this.#observe(res, this.#taken - seq, probe);
      this.#pump();
    };
  }

  #mayTake(): boolean {
    if (this.now() < this.#resumeAt) return false;
    // After a pause, or with the window used up and no Reset to wait for, one probe
    // at a time until a response reports the window again.
    if (this.#credits === undefined || this.#credits <= 0) return this.#inFlight === 0;
    return true;
  }

  /** Counts one request as sent; returns its sequence number. */
  #take(): number {
    this.#inFlight += 1;
    this.#taken += 1;
    if (this.#credits !== undefined && this.#credits !== Infinity) {
      if (this.#credits > 0) this.#credits -= 1;
      else this.#credits = undefined;
    }
    return this.#taken;
  }

  /** `sentSince`: requests admitted after this one, which the server had not counted yet (it counts in order). */
  #observe(res: PacedResponse, sentSince: number, probe: boolean): void {
    const now = this.now();
    if (res.status === 429) {
      // A probe refused after the window was reported full: wait as told rather than probe again at once.
      const retryAfter = parseRetryAfter(res.headers["retry-after"], now);
      if (this.#paced && probe && retryAfter !== undefined) this.#pause(now, retryAfter);
      return;
    }
    if (res.status >= 500) return;
    const remaining = headerInt(res.headers["x-ratelimit-remaining"]);
    if (remaining === undefined) {
      if (this.#credits === undefined) this.#credits = Infinity;
      return;
    }
    this.#paced = true;
    // The server counts in arrival order: requests admitted after this one were not in its count yet.
    const fresh = remaining - sentSince;
    this.#credits = this.#credits === undefined ? fresh : Math.min(this.#credits, fresh);
    const resetSec = headerInt(res.headers["x-ratelimit-reset"]);
    if (this.#credits <= 0 && resetSec !== undefined) {
      this.#pause(now, resetSec * 1000 - this.serverOffsetMs() - now);
    }
  }

  #pause(now: number, waitMs: number): void {
    waitMs = Math.min(waitMs > 0 ? waitMs : 0, MAX_PAUSE_MS);
    this.#resumeAt = Math.max(this.#resumeAt, now + waitMs);
    this.#credits = undefined;
  }

  /** Lets waiters through while they may go, and arms a timer for the end of a pause. */
  #pump(): void {
    while (this.#waiters.length > 0 && this.#mayTake()) {
      const seq = this.#take();
      this.#waiters.shift()!(seq);
    }
    const wait = this.#resumeAt - this.now();
    if (this.#waiters.length > 0 && wait > 0 && !this.#sleeping) {
      this.#sleeping = true;
      const until = this.#resumeAt;
      void this.sleep(wait).then(() => {
        this.#sleeping = false;
        // The pause is served once its sleep returns (a test's sleep may return at once); a later, longer pause stays.
        if (this.#resumeAt === until) this.#resumeAt = 0;
        this.#pump();
      });
    }
  }
}

function headerInt(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*\d{1,12}\s*$/.test(v)) return undefined;
  return Number(v);
}
