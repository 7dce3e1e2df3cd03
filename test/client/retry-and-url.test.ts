import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, RetryBudget } from "../../provider/client/retry";
import { refreshMarginMs, TokenCache } from "../../provider/client/token";
import { htuFor, isLoopbackHost } from "../../provider/client/url";
import { Semaphore } from "../../provider/client/http";
import { parseErrorBody, parseWwwAuthenticate } from "../../provider/client/errors";

describe("Retry-After", () => {
  const now = Date.parse("2026-05-01T12:00:00Z");
  it("parses delta-seconds and HTTP-dates, ignores junk", () => {
    expect(parseRetryAfter("42", now)).toBe(42_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Fri, 01 May 2026 12:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Fri, 01 May 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("-5", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("backoff and budget", () => {
  it("full jitter stays within min(max, base·2^(n-1))", () => {
    const s = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, s, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, s, () => 0)).toBe(0);
  });
  it("refuses attempts past maxAttempts and sleeps that would end past the deadline", () => {
    let t = 0;
    const b = new RetryBudget({ ...DEFAULT_RETRY, maxAttempts: 3, maxElapsedMs: 1000 }, () => t);
    expect(b.allows(1, 500)).toBe(true);
    expect(b.allows(3, 0)).toBe(false);
    t = 600;
    expect(b.allows(1, 500)).toBe(false);
    expect(b.allows(1, 400)).toBe(true);
  });
});

describe("token cache", () => {
  it("uses a margin of min(60 s, 10% of ttl), shares one pending mint, and does not cache failures", async () => {
    expect(refreshMarginMs(3600)).toBe(60_000);
    expect(refreshMarginMs(100)).toBe(10_000);
    let t = 0;
    let mints = 0;
    let fail = true;
    const cache = new TokenCache(async () => {
      mints++;
      if (fail) throw new Error("mint failed");
      return { value: `t${mints}`, expiresIn: 100 };
    }, () => t);
    await expect(Promise.all([cache.get(), cache.get()])).rejects.toThrow("mint failed");
    expect(mints).toBe(1);
    fail = false;
    expect(await Promise.all([cache.get(), cache.get(), cache.get()])).toEqual(["t2", "t2", "t2"]);
    t = 89_999;
    expect(await cache.get()).toBe("t2");
    t = 90_000;
    expect(await cache.get()).toBe("t3");
    cache.invalidate("t2"); // stale token: no effect
    expect(await cache.get()).toBe("t3");
    cache.invalidate("t3");
    expect(await cache.get()).toBe("t4");
  });

  it("peek returns the cached token while it is good to use, never mints", async () => {
    let t = 0;
    let mints = 0;
    const cache = new TokenCache(async () => ({ value: `t${++mints}`, expiresIn: 100 }), () => t);
    expect(cache.peek()).toBeUndefined();
    await cache.get();
    expect(cache.peek()).toBe("t1");
    t = 90_000; // inside the refresh margin: a refresh is due, so the token is not offered
    expect(cache.peek()).toBeUndefined();
    await cache.get();
    expect(cache.peek()).toBe("t2");
    cache.invalidate("t2");
    expect(cache.peek()).toBeUndefined();
    expect(mints).toBe(2);
  });
});

describe("url helpers", () => {
  it("recognises loopback hosts only", () => {
    for (const h of ["localhost", "127.0.0.1", "127.255.0.9", "[::1]", "::1", "api.localhost"]) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["10.0.0.1", "localhost.evil.com", "128.0.0.1", "[::2]", "0.0.0.0", "127.0.0.1.nip.io"]) expect(isLoopbackHost(h)).toBe(false);
  });
  it("htu drops query and fragment and default ports, keeps others", () => {
    expect(htuFor("https://API.Anton.test:443", "/v1/webhooks?limit=10&cursor=x")).toBe("https://api.anton.test/v1/webhooks");
    expect(htuFor("http://127.0.0.1:8080", "/oauth/token")).toBe("http://127.0.0.1:8080/oauth/token");
  });
});

describe("semaphore", () => {
  it("admits at most `limit` holders, FIFO", async () => {
    const s = new Semaphore(2);
    const order: number[] = [];
    const r1 = await s.acquire();
    const r2 = await s.acquire();
    const p3 = s.acquire().then((r) => (order.push(3), r));
    const p4 = s.acquire().then((r) => (order.push(4), r));
    await Promise.resolve();
    expect(order).toEqual([]);
    r1();
    r1(); // double release is harmless
    const r3 = await p3;
    expect(order).toEqual([3]);
    r2();
    await p4;
    expect(order).toEqual([3, 4]);
    r3();
  });
});

describe("error envelopes", () => {
  it("parses current, integer-code, flat and OAuth shapes", () => {
    expect(parseErrorBody('{"error":{"message":"m","code":"c","details":[1]}}')).toEqual({ code: "c", message: "m", details: [1] });
    expect(parseErrorBody('{"error":{"code":401,"message":"Invalid or missing API key"}}')).toEqual({ code: undefined, message: "Invalid or missing API key", details: undefined });
    expect(parseErrorBody('{"error":"bad_request","message":"x"}')).toMatchObject({ code: "bad_request", message: "x" });
    expect(parseErrorBody('{"error":"invalid_client","error_description":"nope"}')).toMatchObject({ code: "invalid_client", message: "nope" });
    expect(parseErrorBody("<html>")).toEqual({});
    expect(parseWwwAuthenticate('DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"')).toEqual({
      error: "use_dpop_nonce",
      description: "Resource server requires nonce in DPoP proof",
    });
  });
});
