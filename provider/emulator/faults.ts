/** Fault kinds used by chaos mode, and the names under which every injected fault is counted. */
export type ChaosKind =
  | "drop-after-commit"
  | "status-500"
  | "status-502"
  | "status-503"
  | "status-504"
  | "rate-limit-429"
  | "slow"
  | "nonce"
  | "token-expiry"
  | "skew";

export const CHAOS_KINDS: readonly ChaosKind[] = [
  "drop-after-commit",
  "status-500",
  "status-502",
  "status-503",
  "status-504",
  "rate-limit-429",
  "slow",
  "nonce",
  "token-expiry",
  "skew",
];

export type RouteMatcher = string | RegExp;

/** Test-side control over failures. Every fault leaves emulator state consistent. */
export interface FaultController {
  /** Answer the next `n` matching requests with `status` and the error envelope, without performing them. */
  failNext(n: number, status: number, opts?: { route?: RouteMatcher; retryAfterSeconds?: number; code?: string; message?: string }): void;
  /** Perform the next `n` matching requests (e.g. commit a rotation), then destroy the socket without answering. */
  dropAfterCommit(n: number, opts?: { route?: RouteMatcher }): void;
  /** Hold the next `n` matching responses for `ms` after the work is done (default: until `clear()`). */
  delay(ms: number, n?: number, opts?: { route?: RouteMatcher }): void;
  /**
   * Hold the next `n` matching requests for `ms` BEFORE performing them: a POST's Idempotency-Key stays
   * in flight meanwhile, so a retry with the same key gets 409 `idempotency_key_in_use`.
   */
  stall(ms: number, n?: number, opts?: { route?: RouteMatcher }): void;
  /** Require RFC 9449 server nonces on the token endpoint and on /v1. */
  requireNonce(on: boolean): void;
  /** Skew the server clock used for iat checks and the Date header. */
  clockOffset(seconds: number): void;
  /** Expire every access token issued so far. */
  expireTokens(): void;
  /** Grace period, in seconds, during which a rotated-out secret still signs deliveries. Applies to later rotations. */
  setGrace(seconds: number): void;
  /**
   * Chaos mode: each /v1 and token request independently gets one fault with probability `rate`,
   * the kind drawn uniformly from `kinds` (those that apply to the route). Deterministic for a given `seed`.
   */
  random(opts: { rate: number; seed?: number; kinds?: ChaosKind[]; slowMs?: number; skewSeconds?: number }): void;
  /** Remove every queued fault, chaos mode, the nonce requirement and the clock offset. Counters are kept. */
  clear(): void;
  /** How many faults of each kind were actually applied, keyed by {@link ChaosKind} names. */
  injected: Record<string, number>;
}

/** What the server should do to one request. */
export interface FaultPlan {
  fail?: { status: number; code: string; message: string; retryAfterSeconds?: number; kind: string };
  drop: boolean;
  delayMs: number;
  /** Wait before performing the request (see {@link FaultController.stall}). */
  stallMs?: number;
  nonce: boolean;
  expireToken: boolean;
  skewSeconds: number;
}

interface Scoped {
  remaining: number;
  route?: RouteMatcher;
}

/** Small, fast, seedable PRNG; quality is ample for picking faults. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const DEFAULT_CODES: Record<number, string> = {
  400: "invalid_request",
  401: "invalid_token",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  422: "validation_error",
  429: "rate_limited",
};

export function kindForStatus(status: number): string {
  return status === 429 ? "rate-limit-429" : `status-${status}`;
}

/** Holds queued faults and chaos settings; the server asks it for a {@link FaultPlan} per request. */
export class Faults implements FaultController {
  injected: Record<string, number> = {};
  nonceRequired = false;
  offsetSeconds = 0;

  private failures: Array<Scoped & { status: number; retryAfterSeconds?: number; code?: string; message?: string }> = [];
  private drops: Scoped[] = [];
  private delays: Array<Scoped & { ms: number }> = [];
  private stalls: Array<Scoped & { ms: number }> = [];
  private chaos?: { rate: number; next: () => number; kinds: ChaosKind[]; slowMs: number; skewSeconds: number };

  constructor(
    private readonly hooks: { expireTokens(): void; setGrace(seconds: number): void },
  ) {}

  failNext(n: number, status: number, opts: { route?: RouteMatcher; retryAfterSeconds?: number; code?: string; message?: string } = {}): void {
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError("status must be an integer from 400 to 599");
    this.failures.push({ remaining: positive(n), status, ...opts });
  }

  dropAfterCommit(n: number, opts: { route?: RouteMatcher } = {}): void {
    this.drops.push({ remaining: positive(n), route: opts.route });
  }

  delay(ms: number, n?: number, opts: { route?: RouteMatcher } = {}): void {
    this.delays.push({ remaining: n === undefined ? Infinity : positive(n), ms: Math.max(0, ms), route: opts.route });
  }

  stall(ms: number, n?: number, opts: { route?: RouteMatcher } = {}): void {
    this.stalls.push({ remaining: n === undefined ? Infinity : positive(n), ms: Math.max(0, ms), route: opts.route });
  }

  requireNonce(on: boolean): void {
    this.nonceRequired = on;
  }

  clockOffset(seconds: number): void {
    this.offsetSeconds = seconds;
  }

  expireTokens(): void {
    this.hooks.expireTokens();
  }

  setGrace(seconds: number): void {
    this.hooks.setGrace(Math.max(0, seconds));
  }

  random(opts: { rate: number; seed?: number; kinds?: ChaosKind[]; slowMs?: number; skewSeconds?: number }): void {
    const kinds = opts.kinds ?? [...CHAOS_KINDS];
    if (kinds.some((k) => !CHAOS_KINDS.includes(k))) throw new RangeError(`kinds must list only ${CHAOS_KINDS.join(", ")}`);
    this.chaos = {
      rate: Math.min(1, Math.max(0, opts.rate)),
      next: mulberry32(opts.seed ?? Math.floor(Math.random() * 2 ** 32)),
      kinds,
      slowMs: opts.slowMs ?? 1500,
      skewSeconds: opts.skewSeconds ?? 300,
    };
  }

  clear(): void {
    this.failures = [];
    this.drops = [];
    this.delays = [];
    this.stalls = [];
    this.chaos = undefined;
    this.nonceRequired = false;
    this.offsetSeconds = 0;
  }

  count(kind: string): void {
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
  }

  /**
   * Decides the faults for one request. `chaosEligible` is true for the token endpoint and /v1;
   * `hasToken` tells whether "token-expiry" can apply.
   */
  plan(routeKey: string, method: string, path: string, chaosEligible: boolean, hasToken: boolean): FaultPlan {
    const plan: FaultPlan = { drop: false, delayMs: 0, nonce: false, expireToken: false, skewSeconds: 0 };
    const label = `${method} ${path}`;

    const failure = take(this.failures, routeKey, label);
    if (failure) {
      plan.fail = {
        status: failure.status,
        code: failure.code ?? DEFAULT_CODES[failure.status] ?? (failure.status >= 500 ? "internal_error" : "error"),
        message: failure.message ?? (failure.status === 429 ? `Rate limit exceeded. Retry after ${failure.retryAfterSeconds ?? 1} seconds.` : "injected failure"),
        retryAfterSeconds: failure.retryAfterSeconds ?? (failure.status === 429 || failure.status === 503 ? 1 : undefined),
        kind: kindForStatus(failure.status),
      };
    } else if (take(this.drops, routeKey, label)) {
      plan.drop = true;
    }
    const delayed = take(this.delays, routeKey, label);
    if (delayed) plan.delayMs = delayed.ms;
    const stalled = take(this.stalls, routeKey, label);
    if (stalled) plan.stallMs = stalled.ms;

    if (chaosEligible && this.chaos) {
      // Always draw twice per request so the sequence of faults depends only on the seed and request order.
      const roll = this.chaos.next();
      const pick = this.chaos.next();
      const kinds = hasToken ? this.chaos.kinds : this.chaos.kinds.filter((k) => k !== "token-expiry");
      if (roll < this.chaos.rate && kinds.length > 0 && !plan.fail && !plan.drop) {
        const kind = kinds[Math.floor(pick * kinds.length)]!;
        this.applyChaos(plan, kind, pick);
      }
    }
    return plan;
  }

  private applyChaos(plan: FaultPlan, kind: ChaosKind, pick: number): void {
    const chaos = this.chaos!;
    switch (kind) {
      case "drop-after-commit":
        plan.drop = true;
        return;
      case "status-500":
      case "status-502":
      case "status-503":
      case "status-504": {
        const status = Number(kind.slice(7));
        plan.fail = { status, code: "internal_error", message: "internal server error", kind, retryAfterSeconds: status === 503 ? 1 : undefined };
        return;
      }
      case "rate-limit-429":
        plan.fail = { status: 429, code: "rate_limited", message: "Rate limit exceeded. Retry after 1 seconds.", retryAfterSeconds: 1, kind };
        return;
      case "slow":
        plan.delayMs = Math.max(plan.delayMs, chaos.slowMs);
        return;
      case "nonce":
        plan.nonce = true;
        return;
      case "token-expiry":
        plan.expireToken = true;
        return;
      case "skew":
        // Reuse the kind draw's low bits for the sign so no extra draw is needed.
        plan.skewSeconds = (Math.floor(pick * 1e6) % 2 === 0 ? 1 : -1) * chaos.skewSeconds;
        return;
    }
  }
}

function positive(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError("n must be a positive integer");
  return n;
}

function matches(route: RouteMatcher | undefined, routeKey: string, label: string): boolean {
  if (route === undefined) return true;
  if (typeof route === "string") return route === routeKey || route === label;
  route.lastIndex = 0;
  if (route.test(routeKey)) return true;
  route.lastIndex = 0;
  return route.test(label);
}

/** Consumes one use of the first queued fault matching the request. */
function take<T extends Scoped>(queue: T[], routeKey: string, label: string): T | undefined {
  const index = queue.findIndex((f) => matches(f.route, routeKey, label));
  if (index < 0) return undefined;
  const fault = queue[index]!;
  if (--fault.remaining <= 0) queue.splice(index, 1);
  return fault;
}
