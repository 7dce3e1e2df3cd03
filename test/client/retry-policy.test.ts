/** The retry policy as a table: one outcome, what the call is and has spent, the budget → the next step. */
import { describe, expect, it } from "vitest";
import { decide, MAX_CLOCK_FIXES, MAX_STALE_TOKEN_RETRIES, serverOffset, type Budget, type CallTraits, type ChallengeState, type Decision, type Outcome } from "../../provider/client/retry-policy";

const GET: CallTraits = { role: "resource", idempotent: true, keyed: false };
const KEYED_POST: CallTraits = { role: "resource", idempotent: true, keyed: true };
const KEYLESS_POST: CallTraits = { role: "resource", idempotent: false, keyed: false };
const TOKEN: CallTraits = { role: "token", idempotent: true, keyed: false };
const FRESH: ChallengeState = { nonceUsed: false, tokenRenewed: false, staleTokens: 0, clockFixes: 0 };

/** 5 attempts, a 60 s deadline that a wait counts against, and a fixed 100 ms backoff. */
const budget = (elapsedMs = 0): Budget => ({ allows: (n, ms) => n < 5 && elapsedMs + ms <= 60_000, backoff: () => 100, baseDelayMs: 200 });
const http = (status: number, more: Partial<Extract<Outcome, { kind: "http" }>> = {}): Outcome => ({ kind: "http", status, nonce: false, token: "current", ...more });
const retry = (reason: string, delayMs: number): Decision => ({ retry: true, reason, delayMs }) as Decision;
const NO: Decision = { retry: false };

const rows: Array<[string, Outcome, CallTraits, Partial<ChallengeState>, number, Budget, Decision]> = [
  ["connection refused: back off", { kind: "transport", error: "network_error" }, GET, {}, 1, budget(), retry("network", 100)],
  ["timeout: back off", { kind: "transport", error: "timeout" }, KEYED_POST, {}, 1, budget(), retry("timeout", 100)],
  ["TLS failure: never", { kind: "transport", error: "tls_error" }, GET, {}, 1, budget(), NO],
  ["network error, attempts spent", { kind: "transport", error: "network_error" }, GET, {}, 5, budget(), NO],
  ["network error on a keyless /v1 POST: never", { kind: "transport", error: "network_error" }, KEYLESS_POST, {}, 1, budget(), NO],
  ["503: back off", http(503), GET, {}, 1, budget(), retry("5xx", 100)],
  ["503 with Retry-After: as told", http(503, { retryAfterMs: 2_000 }), KEYED_POST, {}, 1, budget(), retry("5xx", 2_000)],
  ["500 ignores Retry-After", http(500, { retryAfterMs: 2_000 }), GET, {}, 1, budget(), retry("5xx", 100)],
  ["429 with Retry-After: as told", http(429, { retryAfterMs: 1_000 }), KEYED_POST, {}, 1, budget(), retry("429", 1_000)],
  ["429 whose wait passes the deadline", http(429, { retryAfterMs: 61_000 }), KEYED_POST, {}, 1, budget(), NO],
  ["503, attempts spent", http(503), GET, {}, 5, budget(), NO],
  ["503 on a keyless /v1 POST: never", http(503), KEYLESS_POST, {}, 1, budget(), NO],
  ["429 on a keyless /v1 POST: never", http(429, { retryAfterMs: 1_000 }), KEYLESS_POST, {}, 1, budget(), NO],
  ["404: never", http(404, { code: "not_found" }), GET, {}, 1, budget(), NO],
  ["409 in progress, keyed: at least the base delay", http(409, { code: "idempotency_key_in_use" }), KEYED_POST, {}, 1, budget(), retry("in_progress", 200)],
  ["409 in progress with Retry-After", http(409, { code: "request_in_progress", retryAfterMs: 50 }), KEYED_POST, {}, 1, budget(), retry("in_progress", 50)],
  ["409 other conflict: never", http(409, { code: "conflict" }), KEYED_POST, {}, 1, budget(), NO],
  ["409 in progress without a key: never", http(409, { code: "idempotency_key_in_use" }), GET, {}, 1, budget(), NO],
  ["401 use_dpop_nonce with a nonce: once", http(401, { authError: "use_dpop_nonce", nonce: true }), GET, {}, 1, budget(), retry("nonce", 0)],
  ["401 use_dpop_nonce again: no", http(401, { authError: "use_dpop_nonce", nonce: true }), GET, { nonceUsed: true }, 2, budget(), NO],
  ["401 use_dpop_nonce without a nonce header: no", http(401, { authError: "use_dpop_nonce" }), GET, {}, 1, budget(), NO],
  ["token endpoint 400 use_dpop_nonce: once", http(400, { code: "use_dpop_nonce", nonce: true, token: "none" }), TOKEN, {}, 1, budget(), retry("nonce", 0)],
  ["nonce challenge spends no attempt", http(401, { code: "use_dpop_nonce", nonce: true }), GET, {}, 5, budget(), retry("nonce", 0)],
  ["nonce challenge on a keyless POST: never", http(401, { code: "use_dpop_nonce", nonce: true }), KEYLESS_POST, {}, 1, budget(), NO],
  ["invalid_token, current token: re-mint once", http(401, { code: "invalid_token" }), GET, {}, 1, budget(), retry("token", 0)],
  ["invalid_token, already re-minted: no", http(401, { code: "invalid_token" }), GET, { tokenRenewed: true }, 2, budget(), NO],
  ["invalid_token for a replaced token: retry", http(401, { authError: "invalid_token", token: "stale" }), GET, { tokenRenewed: true }, 2, budget(), retry("token", 0)],
  ["invalid_token for replaced tokens, cap reached", http(401, { code: "invalid_token", token: "stale" }), GET, { staleTokens: MAX_STALE_TOKEN_RETRIES }, 2, budget(), NO],
  ["invalid_token at the token endpoint: no", http(401, { code: "invalid_token", token: "none" }), TOKEN, {}, 1, budget(), NO],
  ["iat rejected, server offset known: correct the clock", http(401, { code: "invalid_dpop_proof", serverOffsetMs: 90_000 }), GET, {}, 1, budget(), retry("clock_skew", 0)],
  ["iat rejected, corrections spent", http(400, { code: "invalid_dpop_proof", serverOffsetMs: 90_000 }), TOKEN, { clockFixes: MAX_CLOCK_FIXES }, 3, budget(), NO],
  ["proof rejected, no offset to learn", http(401, { code: "invalid_dpop_proof" }), GET, {}, 1, budget(), NO],
  ["deadline passed: even a challenge waits no more", http(401, { code: "invalid_token" }), GET, {}, 1, budget(60_001), NO],
];

describe("retry policy", () => {
  it.each(rows)("%s", (_name, outcome, call, used, attempts, b, expected) => {
    expect(decide(outcome, call, { ...FRESH, ...used }, attempts, b)).toEqual(expected);
  });

  it("learns the server's offset only for an iat rejection it can fix", () => {
    const at = (dateMs: number, code: string | undefined, text: string, currentOffsetMs = 0) => serverOffset({ dateMs, localNowMs: 1_000_000, currentOffsetMs, code, text });
    expect(at(1_090_000, "invalid_dpop_proof", "")).toBe(90_000);
    expect(at(1_005_000, undefined, "iat too far in the past")).toBe(5_000);
    expect(at(1_005_000, "invalid_dpop_proof", "bad signature")).toBeUndefined();
    expect(at(1_090_000, "invalid_token", "expired")).toBeUndefined();
    expect(at(1_000_500, undefined, "iat")).toBeUndefined();
    expect(at(1_090_000, "invalid_dpop_proof", "iat", 90_000)).toBeUndefined();
    expect(at(NaN, "invalid_dpop_proof", "iat")).toBeUndefined();
  });
});
