/**
 * The rate pacer's log of released requests (send and answer times, whether the server counted each), and the
 * upper bound on the server's window length it learns from them. Why each bound holds is derived in
 * docs/design/rate-pacer.md; the invariant both keep is that they only err late (never wake a request before its
 * slot frees), unless another client shares the window, which a refused early probe then reveals.
 */

/** Slack added to a wake computed from the learned window (timer and clock granularity between processes). */
const BASE_MARGIN_MS = 50;
/** Entries kept beyond the limit (enough for the walk back to the oldest request in the window). */
const LOG_SLACK = 64;

/** One released request: when it was sent, when its answer came, and whether the server counted it. */
export interface Sent {
  sentAt: number;
  answeredAt?: number;
  /** "ok": answered below 400, counted; "refused": 429, not counted; "unknown": no answer, or another error. */
  state?: "ok" | "refused" | "unknown";
}

export class WindowLog {
  /** Requests released, by sequence number; `#entries[i]` is request `#base + i`. */
  #entries: Sent[] = [];
  #base = 1;
  /** Latest answer among requests dropped from the log. */
  #droppedAnsweredAt = -Infinity;
  /** Learned upper bound on the window length in ms (server clock), from answers. */
  #windowHi: number | undefined = undefined;
  #margin = BASE_MARGIN_MS;
  /** Whether the window is taken to be whole seconds (until a probe after an early wake is refused). */
  #wholeSeconds = true;

  entry(seq: number): Sent | undefined {
    return this.#entries[seq - this.#base];
  }

  /** Logs the next request as sent at `now`; drops old answered entries, never one still in flight (it may yet count). */
  record(now: number, limit: number | undefined): void {
    this.#entries.push({ sentAt: now });
    const keep = (limit ?? 0) + LOG_SLACK;
    if (this.#entries.length <= 2 * keep) return;
    let drop = 0;
    while (drop < this.#entries.length - keep && this.#entries[drop]!.answeredAt !== undefined) {
      this.#droppedAnsweredAt = Math.max(this.#droppedAnsweredAt, this.#entries[drop]!.answeredAt!);
      drop++;
    }
    this.#entries.splice(0, drop);
    this.#base += drop;
  }

  /**
   * A probe sent at an early wake was refused: another client may share the window (or it changed). Relearn it,
   * and wake later from now on (past 1 s the wake is Reset again).
   */
  distrust(): void {
    this.#margin = Math.min(this.#margin * 2 + 100, 2_000);
    this.#windowHi = undefined;
    this.#wholeSeconds = false;
  }

  /** Walking back from request `from`, the `count`-th request the server may have counted (429s skipped). */
  #walkBack(from: number, count: number): number | undefined {
    if (count < 1) return undefined;
    for (let seq = from; seq >= this.#base; seq--) {
      const e = this.entry(seq);
      if (!e) return undefined;
      if (e.state === "refused") continue;
      if (--count === 0) return seq;
    }
    return undefined;
  }

  /**
   * Window ≤ `resetAt` − the earliest send among request `seq` and `count − 1` requests answered below 400 before
   * `seq` was sent (docs/design/rate-pacer.md, "Bound from Reset").
   */
  learnFromReset(seq: number, count: number, resetAt: number): void {
    const self = this.entry(seq);
    if (!self) return;
    let sentAt = self.sentAt;
    let found = 1;
    for (let i = seq - 1; found < count && i >= this.#base; i--) {
      const e = this.entry(i)!;
      if (e.state !== "ok" || e.answeredAt === undefined || e.answeredAt >= self.sentAt) continue;
      sentAt = Math.min(sentAt, e.sentAt);
      found++;
    }
    if (found === count) this.#windowHi = Math.min(this.#windowHi ?? Infinity, resetAt - sentAt);
  }

  /**
   * Window ≤ answer to `seq` − send of a counted request that had left the window when the server checked `seq`
   * (docs/design/rate-pacer.md, "Bound from Remaining"). Holds for a shared window too.
   */
  learnFromRemaining(seq: number, count: number): void {
    const self = this.entry(seq);
    if (!self || self.state !== "ok" || self.answeredAt === undefined) return;
    const arrived = [self.sentAt];
    for (const e of this.#entries) if (e !== self && e.state === "ok" && e.answeredAt! < self.sentAt) arrived.push(e.sentAt);
    if (arrived.length < count) return;
    // Strict comparisons throughout: two events in the same clock millisecond have no known order.
    const followedBefore = arrived.sort((a, b) => b - a)[count - 1]!;
    let left = -Infinity;
    for (const e of this.#entries) if (e.state === "ok" && e.answeredAt! < followedBefore) left = Math.max(left, e.sentAt);
    if (left === -Infinity) return;
    let bound = self.answeredAt - left;
    // Local clock only (no server offset): a window of whole seconds is never above the rounded-down bound.
    if (this.#wholeSeconds && bound >= 1000) bound = Math.floor(bound / 1000) * 1000;
    this.#windowHi = Math.min(this.#windowHi ?? Infinity, bound);
  }

  /**
   * When the slot of the request after `taken` frees, by the learned window: one window (plus margin) after the
   * last answer to the `limit`-th most recent counted request or any before it. Requests of unknown fate count as
   * counted, which only moves this later; an unanswered one leaves only Reset (undefined).
   */
  slotFreeAt(taken: number, limit: number | undefined): number | undefined {
    if (this.#windowHi === undefined || limit === undefined) return undefined;
    const slot = this.#walkBack(taken, limit);
    if (slot === undefined) return undefined;
    let answeredAt = this.#droppedAnsweredAt;
    for (let i = this.#base; i <= slot; i++) {
      const at = this.entry(i)!.answeredAt;
      if (at === undefined) return undefined;
      answeredAt = Math.max(answeredAt, at);
    }
    return answeredAt + this.#windowHi + this.#margin;
  }
}
