/**
 * Client-side pacing under Anton's per-merchant rolling-window rate limit: reads `X-RateLimit-*` from /v1 answers
 * and holds calls back while the window is known to be full, so each request is sent when it can be accepted.
 * The derivation is in docs/design/rate-pacer.md. Invariants this file keeps:
 *  - the credit count errs low, never high (requests admitted later may already be counted);
 *  - a pause starts only from an answer reporting the window full, or from unread answers that may have filled it;
 *  - while credits are unknown or spent, one probe at a time, and only with nothing else in flight;
 *  - a wake is never later than `X-RateLimit-Reset` (the learned bound only brings it earlier, see window-log.ts);
 *  - a 429 belongs to the call that got it (it may come from a proxy or another process), except a refused probe;
 *  - a server that sends no rate-limit headers is never paced;
 *  - no pause timer runs while no request waits (an idle client must not hold its process open).
 */
import { parseRetryAfter } from "./retry";
import { WindowLog } from "./window-log";

/** What the pacer needs from a response. */
export interface PacedResponse {
  status: number;
  headers: Record<string, string | undefined>;
}

/** Longest pause the pacer will take from a header; anything longer is treated as nonsense. */
const MAX_PAUSE_MS = 15 * 60_000;
/** Successful answers without rate-limit headers, in a row, after which a server that sent them is taken to have stopped. */
const BARE_ANSWERS_TO_UNPACE = 3;

export type Settle = ((res?: PacedResponse) => void) & {
  /** Marks the moment the request goes on the wire (defaults to when it was admitted). */
  sending(): void;
};

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
  #waiters: Array<{ wake(seq: number): void; reject(reason: unknown): void }> = [];
  /** Set by close(). */
  #closedWith: { reason: unknown } | undefined = undefined;
  /** Ends the pause timer when no request waits any more (so an idle client holds no timer). */
  #sleep: AbortController | undefined = undefined;
  /** Requests admitted when the last pause began. */
  #pausedAt = 0;
  /** Whether the server has reported its window (so a 429 on a probe means "wait"). */
  #paced = false;
  /** `X-RateLimit-Limit` as last reported. */
  #limit: number | undefined = undefined;
  /** Whether the current pause ends at a wake computed from the learned window (earlier than Reset). */
  #earlyWake = false;
  /** Requests released, and the window bound learned from them. */
  readonly #log = new WindowLog();
  /** The latest `X-RateLimit-Reset`, as a local time. */
  #resetAt: number | undefined = undefined;
  /**
   * Requests of the current count (since credits were last learned) that were sent but left no count to read:
   * lost, timed out, or answered without rate-limit headers. One of them may have been the answer reporting the
   * window full.
   */
  #unread = 0;
  /** The lowest `Remaining` read in the current count. */
  #lowestRemaining = Infinity;
  /** Consecutive successful answers without rate-limit headers since the server last sent them. */
  #bareAnswers = 0;

  constructor(
    private readonly now: () => number,
    /** The client's sleep, so tests that record waits instead of sleeping also skip these. */
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
    /** Server clock minus local clock, in ms (to read `X-RateLimit-Reset`, which is absolute). */
    private readonly serverOffsetMs: () => number = () => 0,
  ) {}

  /** Rejects every waiting request and any later one with `reason` (the client is closing). */
  close(reason: unknown): void {
    this.#closedWith = { reason };
    const waiters = this.#waiters;
    this.#waiters = [];
    this.#stopSleepIfIdle();
    for (const w of waiters) w.reject(reason);
  }

  /**
   * Waits until a request may be sent (FIFO), then counts it as in flight.
   * Returns the function to call with its response (or with nothing when no
   * response came); calling it again has no effect.
   */
  async admit(signal?: AbortSignal): Promise<Settle> {
    if (this.#closedWith) throw this.#closedWith.reason;
    let seq: number;
    if (this.#waiters.length === 0 && this.#mayTake()) {
      seq = this.#take();
    } else {
      // #pump counts the request as taken when it wakes us.
      seq = await new Promise<number>((resolve, reject) => {
        const onAbort = () => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          this.#stopSleepIfIdle();
          reject(signal!.reason);
        };
        const waiter = {
          wake: (taken: number) => {
            signal?.removeEventListener("abort", onAbort);
            resolve(taken);
          },
          reject: (reason: unknown) => {
            signal?.removeEventListener("abort", onAbort);
            reject(reason);
          },
        };
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiters.push(waiter);
        this.#pump();
      });
    }
    const probe = this.#credits === undefined;
    const early = probe && this.#earlyWake;
    this.#earlyWake = false;
    const entry = this.#log.entry(seq);
    let settled = false;
    let sent = false;
    const settle = (res?: PacedResponse) => {
      if (settled) return;
      settled = true;
      this.#inFlight -= 1;
      if (entry) {
        entry.answeredAt = this.now();
        entry.state = res?.status === 429 ? "refused" : res && res.status < 400 ? "ok" : "unknown";
      }
      if (res) this.#observe(res, this.#taken - seq, probe, seq, early);
      else if (sent && this.#paced) this.#unread += 1;
      this.#pauseIfBlind();
      this.#pump();
    };
    return Object.assign(settle, {
      sending: () => {
        sent = true;
        if (entry && !settled) entry.sentAt = this.now();
      },
    });
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
    this.#log.record(this.now(), this.#limit);
    if (this.#credits !== undefined && this.#credits !== Infinity) {
      if (this.#credits > 0) this.#credits -= 1;
      else this.#credits = undefined;
    }
    return this.#taken;
  }

  /** `sentSince`: requests admitted after this one, which the server may not have counted yet. */
  #observe(res: PacedResponse, sentSince: number, probe: boolean, seq: number, early: boolean): void {
    const now = this.now();
    if (res.status === 429) {
      // A probe refused after an early wake: another client may share the window (or it changed).
      // Relearn it and wake later from now on (past 1 s the wake is Reset again).
      if (early) this.#log.distrust();
      // A probe refused after the window was reported full: wait as told rather than probe again at once.
      const retryAfter = parseRetryAfter(res.headers["retry-after"], now);
      if (this.#paced && probe && retryAfter !== undefined) this.#pause(now, retryAfter);
      return;
    }
    const remaining = headerInt(res.headers["x-ratelimit-remaining"]);
    if (remaining === undefined) {
      // A server that sends no rate-limit headers is not paced. Once it has sent them, one answer without them
      // (a gateway's, a cached one) must not lift the pacing; only a run of successful ones does. Meanwhile such an
      // answer is one whose count is unknown.
      this.#bareAnswers = res.status < 300 ? this.#bareAnswers + 1 : 0;
      const unpaced = !this.#paced ? res.status < 500 : this.#bareAnswers >= BARE_ANSWERS_TO_UNPACE;
      if (unpaced && this.#credits === undefined) this.#credits = Infinity;
      else if (this.#paced) this.#unread += 1;
      return;
    }
    // A 401 for the token itself (not for the proof or the nonce) may not have been taken as the merchant's, so
    // its headers can count another window (per address, say). Nothing to learn from it.
    if (res.status === 401 && !/use_dpop_nonce|invalid_dpop_proof/.test(res.headers["www-authenticate"] ?? "")) return;
    this.#paced = true;
    this.#bareAnswers = 0;
    // Requests admitted after this one may not have been counted yet. Subtracting them all errs low (never into
    // a 429): one that reached the server first was counted already, which only makes credits run out early.
    const fresh = remaining - sentSince;
    // An answer to a request admitted before the current pause is stale (answers come out of order):
    // it must not reopen the window, which only a request sent after the pause can report.
    const stale = this.#credits === undefined && seq <= this.#pausedAt;
    if (!stale && this.#credits === undefined) {
      // A new count starts.
      this.#unread = 0;
      this.#lowestRemaining = Infinity;
    }
    this.#lowestRemaining = Math.min(this.#lowestRemaining, remaining);
    if (!stale) this.#credits = this.#credits === undefined ? fresh : Math.min(this.#credits, fresh);
    const resetSec = headerInt(res.headers["x-ratelimit-reset"]);
    const limit = headerInt(res.headers["x-ratelimit-limit"]);
    this.#limit = limit !== undefined && limit > 0 && remaining <= limit ? limit : undefined;
    if (resetSec === undefined) return;
    const resetAt = resetSec * 1000 - this.serverOffsetMs();
    this.#resetAt = resetAt;
    if (this.#limit !== undefined && remaining < this.#limit) {
      this.#log.learnFromReset(seq, this.#limit - remaining, resetAt);
      this.#log.learnFromRemaining(seq, this.#limit - remaining);
    }
    // Pause only when the server says its window is full (credits are then spent too). Credits run out early when
    // requests reach the server in another order than they were admitted (one admitted later is counted in
    // `remaining` and subtracted again), and pausing then would wait out a whole window with room left. Run out,
    // the pacer holds further requests until those in flight are answered (one of them reports the full window if
    // it is), then sends one probe, whose answer is exact (#mayTake). Unless an answer went missing: #pauseIfBlind.
    if (remaining <= 0) this.#pauseForSlot(now, resetAt);
  }

  /** Pauses until the next request's slot frees by the learned window, and never past `resetAt`. */
  #pauseForSlot(now: number, resetAt: number): void {
    const early = this.#log.slotFreeAt(this.#taken, this.#limit);
    this.#pause(now, Math.min(resetAt, early ?? Infinity) - now);
    this.#earlyWake = early !== undefined && early < resetAt;
  }

  /**
   * Credits spent and every request answered, but some answers left no count to read. If there are as many of them
   * as the lowest `Remaining` read, they may have filled the window, and a probe now would meet a 429 (which, with
   * Anton's 60 s window, can outlast the call's retry budget). Wait for the next slot instead.
   */
  #pauseIfBlind(): void {
    if (this.#unread === 0 || this.#inFlight > 0 || this.#resetAt === undefined) return;
    if (this.#credits !== undefined && this.#credits > 0) return;
    const mayBeFull = this.#unread >= this.#lowestRemaining;
    this.#unread = 0;
    if (mayBeFull) this.#pauseForSlot(this.now(), this.#resetAt);
  }

  #pause(now: number, waitMs: number): void {
    waitMs = Math.min(waitMs > 0 ? waitMs : 0, MAX_PAUSE_MS);
    this.#resumeAt = Math.max(this.#resumeAt, now + waitMs);
    this.#credits = undefined;
    this.#pausedAt = this.#taken;
  }

  /** Lets waiters through while they may go, and arms a timer for the end of a pause. */
  #pump(): void {
    while (this.#waiters.length > 0 && this.#mayTake()) {
      const seq = this.#take();
      this.#waiters.shift()!.wake(seq);
    }
    const wait = this.#resumeAt - this.now();
    if (this.#waiters.length > 0 && wait > 0 && !this.#sleep) {
      const sleep = (this.#sleep = new AbortController());
      const until = this.#resumeAt;
      const before = this.now();
      const woke = () => {
        // Stopped by #stopSleepIfIdle: the pause itself stays; the next waiter arms a new timer.
        if (sleep.signal.aborted) return;
        this.#sleep = undefined;
        // The pause is served once its sleep returns (a test's sleep may return at once); a later, longer pause stays.
        // A timer can fire a few ms before the wall clock reaches `until` (its base is the event loop's cached
        // time, which lags behind when the process is busy): a real sleep that came back short sleeps the rest.
        const elapsed = this.now() - before;
        const cameBackShort = this.now() < until && elapsed >= wait / 2;
        if (this.#resumeAt === until && !cameBackShort) this.#resumeAt = 0;
        this.#pump();
      };
      void this.sleep(wait, sleep.signal).then(woke, woke);
    }
  }

  /** With nobody waiting, the pause timer only keeps the process alive: stop it (`#resumeAt` still holds the pause). */
  #stopSleepIfIdle(): void {
    if (this.#waiters.length > 0 || !this.#sleep) return;
    this.#sleep.abort();
    this.#sleep = undefined;
  }
}

function headerInt(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*\d{1,12}\s*$/.test(v)) return undefined;
  return Number(v);
}
