/**
 * One logical call to Anton: the attempt loop. Each attempt waits for the rate pacer (/v1 only), a token and a
 * connection slot, signs a fresh proof, sends, and hands the outcome to the retry policy (./retry-policy).
 */
import { performance } from "node:perf_hooks";
import { AntonApiError, parseErrorBody, parseWwwAuthenticate } from "./errors";
import { abortedFailure, closedFailure, httpFailure, invalidResponse, reframeAsUnknown, transportFailure, type FailureContext } from "./failures";
import { TransportError, type HttpResponse, type HttpTransport } from "./http";
import { statusClassOf, type Monitor } from "./monitoring";
import type { ResolvedOptions } from "./options";
import type { RatePacer, Settle } from "./rate-pacer";
import { parseRetryAfter, RetryBudget } from "./retry";
import { decide, serverOffset, type ChallengeState, type Outcome } from "./retry-policy";
import type { DpopSession, Role } from "./session";
import type { AccessToken } from "./token";
import { htuFor } from "./url";

/** Times a request waiting for a slot trades a dropped token for the current one before sending anyway. */
const MAX_TOKEN_REFRESH_AFTER_WAIT = 3;

export interface CallSpec {
  role: Role;
  method: "GET" | "POST";
  /** Templated route for metrics and messages; never contains ids. */
  route: string;
  path: string;
  /** POSTs on /v1 are retried only when this is set. */
  idempotencyKey?: string;
  mutating: boolean;
  signal?: AbortSignal;
}

export interface CallResult {
  status: number;
  headers: HttpResponse["headers"];
  json: unknown;
  requestId?: string;
  attempts: number;
}

export interface CallDeps {
  o: ResolvedOptions;
  transport: HttpTransport;
  session: DpopSession;
  pacer: RatePacer;
  monitor: Monitor;
  failures: FailureContext;
  /** Aborted when the client closes. */
  closing: AbortSignal;
}

/**
 * Runs one logical call: a fresh proof per attempt, nonce, token and clock-skew challenges answered once each,
 * transient failures retried within the budget. /v1 POSTs without an Idempotency-Key are never retried.
 */
export async function runCall(d: CallDeps, spec: CallSpec): Promise<CallResult> {
  const { o, session, monitor } = d;
  const budget = new RetryBudget(o.retry, o.now);
  const policyBudget = { allows: (n: number, ms: number) => budget.allows(n, ms), backoff: () => budget.nextBackoff(), baseDelayMs: o.retry.baseDelayMs };
  const traits = { role: spec.role, idempotent: spec.role === "token" || spec.method === "GET" || spec.idempotencyKey !== undefined, keyed: spec.idempotencyKey !== undefined };
  const htu = htuFor(o.origin, spec.path);
  const used: ChallengeState = { nonceUsed: false, tokenRenewed: false, staleTokens: 0, clockFixes: 0 };
  // A clock correction stays local to this call until a request signed with it succeeds, so one odd
  // Date header (a proxy, a misbehaving node) cannot skew every other call in the process.
  let learnedOffset: number | undefined;
  const offset = () => learnedOffset ?? session.clockOffsetMs;
  let attempts = 0;
  let unknown = false;
  const closed = () => d.closing.aborted;

  for (;;) {
    if (closed()) throw closedFailure(attempts, unknown);
    if (spec.signal?.aborted) throw abortedFailure(spec, attempts, unknown);
    // /v1 requests wait while Anton's rate-limit window is known to be full (the token endpoint is not limited).
    let settle: Settle | undefined;
    if (spec.role === "resource") {
      try {
        settle = await d.pacer.admit(spec.signal);
      } catch {
        if (closed()) throw closedFailure(attempts, unknown);
        throw abortedFailure(spec, attempts, unknown);
      }
    }
    let prepared: Prepared;
    try {
      // Read the shared offset late: a token mint inside this step may just have learned it.
      prepared = await prepare(d, spec, htu, offset);
    } catch (err) {
      settle?.();
      // Aborted while waiting for a token or a slot: this attempt never left.
      if (spec.signal?.aborted) throw abortedFailure(spec, attempts, unknown);
      // A token-mint failure during a retry must not hide that an earlier attempt may have been applied.
      if (err instanceof AntonApiError && unknown) throw reframeAsUnknown(err, attempts);
      throw err;
    }
    if (closed()) {
      // Closed while this request waited for a slot: it never left, so nothing changed because of it.
      prepared.release();
      settle?.();
      throw closedFailure(attempts, unknown);
    }
    attempts += 1;
    const t0 = performance.now();
    settle?.sending();
    let res: HttpResponse;
    try {
      const body = spec.role === "token" ? "grant_type=client_credentials" : undefined;
      res = await d.transport.send({ method: spec.method, path: spec.path, headers: prepared.headers, body, signal: spec.signal }, prepared.release);
    } catch (err) {
      settle?.();
      const te = err instanceof TransportError ? err : new TransportError("network_error", "UNKNOWN", true);
      if (spec.mutating && te.maybeSent) unknown = true;
      const durationMs = performance.now() - t0;
      const event = { method: spec.method, route: spec.route, statusClass: "network" as const, attempt: attempts, durationMs };
      if (te.kind === "aborted") {
        monitor.request({ ...event, retry: false });
        throw abortedFailure(spec, attempts, unknown);
      }
      const next = decide({ kind: "transport", error: te.kind }, traits, used, attempts, policyBudget);
      monitor.request({ ...event, retry: next.retry });
      if (!next.retry) throw transportFailure(d.failures, spec, te, attempts, unknown);
      monitor.retry({ route: spec.route, reason: next.reason, delayMs: next.delayMs, attempt: attempts });
      await backoff(d, next.delayMs, spec.signal);
      continue;
    }

    settle?.(res);
    const durationMs = performance.now() - t0;
    const requestId = safeRequestId(res.headers["x-request-id"]);
    session.rememberNonce(spec.role, res.headers["dpop-nonce"]);
    const event = { method: spec.method, route: spec.route, status: res.status, attempt: attempts, durationMs, requestId };

    if (res.status >= 200 && res.status < 300) {
      if (learnedOffset !== undefined) session.clockOffsetMs = learnedOffset;
      monitor.request({ ...event, statusClass: "2xx", retry: false });
      return { status: res.status, headers: res.headers, json: parseJson(res.body), requestId, attempts };
    }

    const parsed = parseErrorBody(res.body);
    const www = parseWwwAuthenticate(res.headers["www-authenticate"]);
    const code = parsed.code ?? www.error;
    const outcome: Outcome = {
      kind: "http",
      status: res.status,
      code,
      authError: www.error,
      nonce: res.headers["dpop-nonce"] !== undefined,
      retryAfterMs: parseRetryAfter(res.headers["retry-after"], o.now()),
      token: session.tokenState(prepared.token),
      serverOffsetMs: serverOffset({
        dateMs: res.headers["date"] ? Date.parse(res.headers["date"]) : NaN,
        localNowMs: o.now(),
        currentOffsetMs: offset(),
        code,
        text: `${parsed.message ?? ""} ${www.description ?? ""}`,
      }),
    };
    const next = decide(outcome, traits, used, attempts, policyBudget);
    monitor.request({ ...event, statusClass: statusClassOf(res.status), retry: next.retry });
    if (!next.retry) throw httpFailure(d.failures, spec, { status: res.status, requestId, message: parsed.message, details: parsed.details, code }, attempts, unknown);
    monitor.retry({ route: spec.route, reason: next.reason, delayMs: next.delayMs, attempt: attempts });
    if (next.reason === "nonce") used.nonceUsed = true;
    if (next.reason === "token" && outcome.token === "stale") used.staleTokens += 1;
    if (next.reason === "token" && outcome.token === "current") {
      used.tokenRenewed = true;
      session.tokens.invalidate(prepared.token!);
    }
    if (next.reason === "clock_skew") {
      learnedOffset = outcome.serverOffsetMs;
      used.clockFixes += 1;
    }
    if (next.reason === "429") {
      const remaining = Number(res.headers["x-ratelimit-remaining"]);
      monitor.rateLimit({ waitMs: next.delayMs, ...(Number.isFinite(remaining) ? { remaining } : {}) });
    }
    if (next.delayMs > 0) await backoff(d, next.delayMs, spec.signal);
  }
}

/** Mints an access token (the token endpoint, through the same attempt loop) and checks the answer. */
export async function mintToken(d: CallDeps): Promise<AccessToken> {
  const started = performance.now();
  const res = await runCall(d, { role: "token", method: "POST", route: "/oauth/token", path: "/oauth/token", mutating: false });
  const b = res.json as Record<string, unknown> | null;
  const fail = (what: string) => invalidResponse("/oauth/token", res, "unchanged", what);
  if (!b || typeof b !== "object" || typeof b.access_token !== "string" || b.access_token === "") throw fail("no access_token");
  if (typeof b.token_type !== "string" || b.token_type.toLowerCase() !== "dpop") {
    throw fail(`token_type is ${typeof b.token_type === "string" ? JSON.stringify(b.token_type.slice(0, 20)) : "missing"}, expected DPoP (this client only uses DPoP-bound tokens)`);
  }
  d.failures.redactor.remember(b.access_token);
  // Without expires_in, assume a short life rather than Anton's documented hour: a re-mint is cheap, a stale token is a failed call.
  const expiresIn = typeof b.expires_in === "number" && b.expires_in > 0 ? b.expires_in : 300;
  d.monitor.token({ durationMs: performance.now() - started });
  return { value: b.access_token, expiresIn };
}

interface Prepared {
  headers: Record<string, string>;
  token?: string;
  release: () => void;
}

/**
 * Takes a connection slot and signs the proof just before sending, so a deep
 * queue (500 Creates in flight, maxConcurrency 16) neither holds hundreds of
 * proofs signed long before use nor spends a burst of CPU signing them up
 * front. The slot is taken after the access token: holding one while a mint
 * waits for its own slot could deadlock.
 */
async function prepare(d: CallDeps, spec: CallSpec, htu: string, offsetMs: () => number): Promise<Prepared> {
  const tokens = d.session.tokens;
  let token = spec.role === "token" ? undefined : await tokens.get();
  let release = await d.transport.acquire(spec.signal);
  // The token was read before the wait for a slot. If another request's 401 invalid_token dropped it meanwhile,
  // sending it would only earn another 401; if a refresh replaced it, the new one lives longer. So take the
  // current token, keeping the slot; when none is cached (a re-mint is running), give the slot back while the
  // mint runs, since it needs a slot of its own, then queue for one again ahead of the others.
  for (let tries = 0; token !== undefined && !tokens.holds(token) && tries < MAX_TOKEN_REFRESH_AFTER_WAIT && !d.closing.aborted; tries++) {
    const current = tokens.peek();
    if (current !== undefined) {
      token = current;
      break;
    }
    release();
    token = await tokens.get();
    release = await d.transport.acquire(spec.signal, true);
  }
  try {
    const headers = await d.session.headers({ role: spec.role, method: spec.method, htu, token, offsetMs: offsetMs(), idempotencyKey: spec.idempotencyKey });
    return { headers, token, release };
  } catch (err) {
    release();
    throw err;
  }
}

/** Waits before a retry; a close or the caller's abort ends the wait early, and the next loop turn reports it. */
async function backoff(d: CallDeps, ms: number, callerSignal: AbortSignal | undefined): Promise<void> {
  const signal = callerSignal ? AbortSignal.any([d.closing, callerSignal]) : d.closing;
  try {
    await d.o.sleep(ms, signal);
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

function parseJson(body: string): unknown {
  try {
    return body === "" ? undefined : JSON.parse(body);
  } catch {
    return undefined;
  }
}

function safeRequestId(v: string | undefined): string | undefined {
  return v && /^[A-Za-z0-9._:-]{1,128}$/.test(v) ? v : undefined;
}
