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
 * The count it derives errs low, never high: requests may reach the server in another order than they were
 * admitted. So it pauses only when an answer reports the window full; a count that merely runs out holds new
 * requests until those in flight are answered, then sends one probe, whose answer is exact. If answers that
 * left no count to read (lost, or without rate-limit headers) could have filled the window, one of them may have
 * been the "full" one, so the pacer waits for a slot instead (#pauseIfBlind).
 *
 * A server that sends no rate-limit headers is never paced. A 429 is left to
 * the call that got it (it waits `Retry-After` and retries): a 429 may come
 * from elsewhere (a proxy, another process sharing the merchant's window), and
 * its `Reset` can be a full window away, so it must not stall every call.
 *
 * `X-RateLimit-Reset` is whole seconds rounded up, so waking at Reset is up to
 * 1 s late per window. Under a rolling window, the slot request n needs is the
 * one request n−Limit holds, and it frees exactly one window after the server
 * accepted that request. The pacer keeps the send and answer times of the
 * requests it released and learns an upper bound on the window from every
 * answer: the window is at most Reset − (send time of the oldest request the
 * server can have been counting, see #learnWindow). It then wakes at (last
 * answer up to request n−Limit + that bound), never later than Reset. Both bounds only err late, unless another client
 * shares the window; a probe refused after such an early wake waits
 * `Retry-After` as before, and widens a safety margin so it does not recur.
 *
 * Reset's rounding caps how tight that bound gets: a wake at Reset puts the
 * next window's oldest request just past a second boundary, whose Reset is then
 * rounded up by almost 1 s again, so the first probe's rounding (anywhere in
 * 0–1 s) stayed in every later wake. `Remaining` has no rounding: a request that
 * `Limit − Remaining` later ones followed is no longer counted, so it had left
 * by the server's check (#learnWindowFromRemaining). A wake that finds the whole
 * window gone still leaves that bound late by the wake's lateness less the
 * window's spread, so it is rounded down to whole seconds (Anton's window is
 * 60 s; Reset counts in seconds). That assumption is the one way this bound
 * errs early: a probe refused after an early wake ends it for good.
 */
import { parseRetryAfter } from "./retry";

/** What the pacer needs from a response. */
export interface PacedResponse {
  status: number;
  headers: Record<string, string | undefined>;
}

/** Longest pause the pacer will take from a header; anything longer is treated as nonsense. */
const MAX_PAUSE_MS = 15 * 60_000;
/** Slack added to a wake computed from the learned window (timer and clock granularity between processes). */
const BASE_MARGIN_MS = 50;
/** Successful answers without rate-limit headers, in a row, after which a server that sent them is taken to have stopped. */
const BARE_ANSWERS_TO_UNPACE = 3;
/** Send log entries kept beyond the limit (enough for the walk back to the oldest request in the window). */
const LOG_SLACK = 64;

/** One released request: when it was sent, when its answer came, and whether the server counted it. */
interface Sent {
  sentAt: number;
  answeredAt?: number;
  /** "ok": answered below 400, counted; "refused": 429, not counted; "unknown": no answer, or another error. */
  state?: "ok" | "refused" | "unknown";
}

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
  /** Learned upper bound on the window length in ms (server clock), from answers. */
  #windowHi: number | undefined = undefined;
  #margin = BASE_MARGIN_MS;
  /** Whether the window is taken to be whole seconds (until a probe after an early wake is refused). */
  #wholeSeconds = true;
  /** Whether the current pause ends at a wake computed from the learned window (earlier than Reset). */
  #earlyWake = false;
  /** Requests released, by sequence number; `#log[i]` is request `#logBase + i`. */
  #log: Sent[] = [];
  #logBase = 1;
  /** Latest answer among requests dropped from the log. */
  #droppedAnsweredAt = -Infinity;
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
    const entry = this.#entry(seq);
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

  #entry(seq: number): Sent | undefined {
    return this.#log[seq - this.#logBase];
  }

  /** Walking back from request `from`, the `count`-th request the server may have counted (429s skipped). */
  #walkBack(from: number, count: number): number | undefined {
    if (count < 1) return undefined;
    for (let seq = from; seq >= this.#logBase; seq--) {
      const e = this.#entry(seq);
      if (!e) return undefined;
      if (e.state === "refused") continue;
      if (--count === 0) return seq;
    }
    return undefined;
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
    this.#log.push({ sentAt: this.now() });
    const keep = (this.#limit ?? 0) + LOG_SLACK;
    if (this.#log.length > 2 * keep) {
      // Never drop a request still in flight: it may yet reach the server and count.
      let drop = 0;
      while (drop < this.#log.length - keep && this.#log[drop]!.answeredAt !== undefined) {
        this.#droppedAnsweredAt = Math.max(this.#droppedAnsweredAt, this.#log[drop]!.answeredAt!);
        drop++;
      }
      this.#log.splice(0, drop);
      this.#logBase += drop;
    }
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
      if (early) {
        this.#margin = Math.min(this.#margin * 2 + 100, 2_000);
        this.#windowHi = undefined;
        this.#wholeSeconds = false;
      }
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
      this.#learnWindow(seq, this.#limit - remaining, resetAt);
      this.#learnWindowFromRemaining(seq, this.#limit - remaining);
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
    const early = this.#slotFreeAt();
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

  /**
   * Learns an upper bound on the window from the answer to request `seq`: when the server checked
   * it, its window held the last `count` requests to arrive, the oldest of which leaves at `resetAt`
   * at the latest. Requests answered before `seq` was sent had arrived by then (and were counted,
   * having been answered below 400), so among `seq` and any `count − 1` of them, the oldest arrival is no
   * later than the window's oldest; and it arrived after it was sent. Hence window ≤ resetAt − the
   * earliest send among them.
   */
  #learnWindow(seq: number, count: number, resetAt: number): void {
    const self = this.#entry(seq);
    if (!self) return;
    let sentAt = self.sentAt;
    let found = 1;
    for (let i = seq - 1; found < count && i >= this.#logBase; i--) {
      const e = this.#entry(i)!;
      if (e.state !== "ok" || e.answeredAt === undefined || e.answeredAt >= self.sentAt) continue;
      sentAt = Math.min(sentAt, e.sentAt);
      found++;
    }
    if (found === count) this.#windowHi = Math.min(this.#windowHi ?? Infinity, resetAt - sentAt);
  }

  /**
   * Learns an upper bound on the window from `Remaining`, to the millisecond: when the server checked request `seq`
   * (before it answered), its window held the last `count` requests to arrive. Those known to have arrived by then
   * and been counted are `seq` and the requests answered below 400 before `seq` was sent. A counted request j
   * answered before `count` of them were sent arrived before all of them, so it was no longer in the window: it had
   * left, and window ≤ check time − arrival of j ≤ answer to `seq` − send of j. Requests of other clients sharing the
   * window only push j further out, so unlike Reset this bound holds for a shared window too.
   */
  #learnWindowFromRemaining(seq: number, count: number): void {
    const self = this.#entry(seq);
    if (!self || self.state !== "ok" || self.answeredAt === undefined) return;
    const arrived = [self.sentAt];
    for (const e of this.#log) if (e !== self && e.state === "ok" && e.answeredAt! < self.sentAt) arrived.push(e.sentAt);
    if (arrived.length < count) return;
    // Strict comparisons throughout: two events in the same clock millisecond have no known order.
    const followedBefore = arrived.sort((a, b) => b - a)[count - 1]!;
    let left = -Infinity;
    for (const e of this.#log) if (e.state === "ok" && e.answeredAt! < followedBefore) left = Math.max(left, e.sentAt);
    if (left === -Infinity) return;
    let bound = self.answeredAt - left;
    // Local clock only (no server offset): a window of whole seconds is never above the rounded-down bound.
    if (this.#wholeSeconds && bound >= 1000) bound = Math.floor(bound / 1000) * 1000;
    this.#windowHi = Math.min(this.#windowHi ?? Infinity, bound);
  }

  /**
   * When the next request's slot frees, by the learned window: one window after the Limit-th most
   * recent arrival, which (in whatever order requests arrived) came no later than the last answer
   * to request (next − Limit) or any before it. Requests of unknown fate count as counted, which
   * only moves this later; an unanswered one leaves only Reset.
   */
  #slotFreeAt(): number | undefined {
    if (this.#windowHi === undefined || this.#limit === undefined) return undefined;
    const slot = this.#walkBack(this.#taken, this.#limit);
    if (slot === undefined) return undefined;
    let answeredAt = this.#droppedAnsweredAt;
    for (let i = this.#logBase; i <= slot; i++) {
      const at = this.#entry(i)!.answeredAt;
      if (at === undefined) return undefined;
      answeredAt = Math.max(answeredAt, at);
    }
    return answeredAt + this.#windowHi + this.#margin;
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
