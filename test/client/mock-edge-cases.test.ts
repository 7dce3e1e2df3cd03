/**
 * Edge cases the emulator cannot produce (odd token types, legacy envelopes,
 * malformed bodies), driven through an undici MockAgent.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AntonApiError, AntonClient } from "../../provider/client";
import { validateInputs } from "../../provider/resource/inputs";
import { mockClient, rejection, replyToken, TOKEN_PATH } from "./support";

const WH = "wbh_01HX8Z9K0M2N3P4Q5R6S7T8UW";
const ROTATE = `/v1/webhooks/${WH}/secret/rotate`;
const json = { headers: { "content-type": "application/json", "x-request-id": "req_123" } };

let clients: AntonClient[] = [];
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
});
function setup(...a: Parameters<typeof mockClient>) {
  const m = mockClient(...a);
  clients.push(m.client);
  return m;
}

describe("token endpoint responses", () => {
  it("rejects a non-DPoP token_type with a clear invalid_response", async () => {
    const { client, pool } = setup();
    pool.intercept({ path: TOKEN_PATH, method: "POST" }).reply(200, { access_token: "x".repeat(40), token_type: "Bearer", expires_in: 3600 }, json);
    const err = await rejection(client.getWebhookSecret(WH));
    expect(err.code).toBe("invalid_response");
    expect(err.message).toMatch(/token_type is "Bearer", expected DPoP/);
    expect(err.message).not.toContain("x".repeat(40));
  });

  it("accepts token_type case-insensitively and sends Basic with form-encoded credentials", async () => {
    const { client, pool } = setup({ clientId: "id with space", clientSecret: "s3cr:t/+&=" });
    let auth = "";
    let contentType = "";
    let body = "";
    let dpop = "";
    pool.intercept({ path: TOKEN_PATH, method: "POST" }).reply((opts) => {
      const h = opts.headers as Record<string, string>;
      auth = h.authorization;
      contentType = h["content-type"];
      dpop = h.dpop;
      body = String(opts.body);
      return { statusCode: 200, data: { access_token: "tok_" + "b".repeat(30), token_type: "dpop", expires_in: 60 }, responseOptions: json };
    });
    pool.intercept({ path: `/v1/webhooks/${WH}/secret`, method: "GET" }).reply(200, { secret: "whsec_" + "1".repeat(64) }, json);
    const r = await client.getWebhookSecret(WH);
    expect(r.secret).toBe("whsec_" + "1".repeat(64));
    expect(r.requestId).toBe("req_123");
    expect(Buffer.from(auth.replace(/^Basic /, ""), "base64").toString()).toBe("id+with+space:s3cr%3At%2F%2B%26%3D");
    expect(contentType).toBe("application/x-www-form-urlencoded");
    expect(body).toBe("grant_type=client_credentials");
    const [header, payload] = dpop.split(".").slice(0, 2).map((p) => JSON.parse(Buffer.from(p, "base64url").toString()));
    expect(header).toMatchObject({ typ: "dpop+jwt", alg: "ES256", jwk: { kty: "EC", crv: "P-256" } });
    expect(header.jwk.d).toBeUndefined();
    expect(payload).toMatchObject({ htm: "POST", htu: "https://api.anton.test/oauth/token" });
    expect(payload.ath).toBeUndefined();
    expect(typeof payload.jti).toBe("string");
  });
});

describe("response shapes", () => {
  it("accepts signing_secret and the {data:{...}} wrapper; rejects a missing secret without echoing the body", async () => {
    const { client, pool } = setup();
    replyToken(pool);
    pool.intercept({ path: ROTATE, method: "POST" }).reply(200, { data: { signing_secret: "whsec_old_shape" } }, json);
    expect((await client.rotateWebhookSecret(WH)).secret).toBe("whsec_old_shape");
    pool.intercept({ path: ROTATE, method: "POST" }).reply(200, { secret: 42, leak: "whsec_SHOULD_NOT_APPEAR" }, json);
    const err = await rejection(client.rotateWebhookSecret(WH));
    expect(err.code).toBe("invalid_response");
    expect(err.serverState).toBe("unknown");
    expect(err.message).not.toContain("SHOULD_NOT_APPEAR");
  });

  it("parses the integer-code and flat error envelopes", async () => {
    const { client, pool } = setup();
    replyToken(pool);
    pool.intercept({ path: `/v1/webhooks/${WH}`, method: "GET" }).reply(404, { error: { code: 404, message: "webhook not found" } }, json);
    let err = await rejection(client.getWebhook(WH));
    expect(err).toMatchObject({ status: 404, code: "http_404", requestId: "req_123", retryable: false, serverState: "unchanged", attempts: 1 });
    expect(err.message).toMatch(/webhook not found/);
    expect(err.hint).toMatch(/sandbox vs production/);
    pool.intercept({ path: `/v1/webhooks/${WH}`, method: "GET" }).reply(400, { error: "bad_request", message: "Malformed id" }, json);
    err = await rejection(client.getWebhook(WH));
    expect(err).toMatchObject({ status: 400, code: "bad_request" });
    pool.intercept({ path: `/v1/webhooks/${WH}`, method: "GET" }).reply(422, { error: { code: "validation_error", message: "bad", details: [{ field: "url", message: "must be https" }] } }, json);
    err = await rejection(client.getWebhook(WH));
    expect(err.details).toEqual([{ field: "url", message: "must be https" }]);
  });

  it("maps webhook fields and never returns a secret from getWebhook", async () => {
    const { client, pool } = setup();
    replyToken(pool);
    pool
      .intercept({ path: `/v1/webhooks/${WH}`, method: "GET" })
      .reply(200, { data: { id: WH, url: "https://x.test/h", events: ["payout.created"], created_at: "2026-01-01T00:00:00Z", status: "active", secret: "whsec_zzz", metadata: { a: "b", n: 1 } } }, json);
    const hook = await client.getWebhook(WH);
    expect(hook).toEqual({ id: WH, url: "https://x.test/h", events: ["payout.created"], createdAt: "2026-01-01T00:00:00Z", status: "active", metadata: { a: "b" } });
  });

  it("listWebhooks accepts the unpaginated {data} shape and refuses a repeating cursor", async () => {
    const { client, pool } = setup();
    replyToken(pool);
    const item = { id: WH, url: "https://x.test/h", events: ["*"] };
    pool.intercept({ path: "/v1/webhooks?limit=100", method: "GET" }).reply(200, { data: [item] }, json);
    expect(await client.listWebhooks()).toHaveLength(1);
    pool.intercept({ path: "/v1/webhooks?limit=10", method: "GET" }).reply(200, { data: [item], has_more: true, next_cursor: "c1" }, json);
    pool.intercept({ path: "/v1/webhooks?limit=10&cursor=c1", method: "GET" }).reply(200, { data: [item], has_more: true, next_cursor: "c1" }, json);
    const err = await rejection(client.listWebhooks({ limit: 10 }));
    expect(err.message).toMatch(/next_cursor is missing or repeats/);
    await expect(client.listWebhooks({ limit: 0 })).rejects.toThrow(TypeError);
  });
});

describe("retry rules", () => {
  // The rule itself (a /v1 POST without a key is never retried, even on 503 or 429) is a row of the policy
  // table in retry-policy.test.ts; no public method sends such a POST. This is what makes rotations safe to retry.
  it("sends every /v1 POST with an Idempotency-Key, and retries a 503 with the same key", async () => {
    const { client, pool, sleeps } = setup();
    replyToken(pool);
    const keys: Array<string | undefined> = [];
    pool.intercept({ path: ROTATE, method: "POST" }).reply((opts) => {
      keys.push((opts.headers as Record<string, string>)["idempotency-key"]);
      return { statusCode: 503, data: { error: { code: "unavailable", message: "internal server error" } }, responseOptions: json };
    }).times(2);
    pool.intercept({ path: ROTATE, method: "POST" }).reply((opts) => {
      keys.push((opts.headers as Record<string, string>)["idempotency-key"]);
      return { statusCode: 200, data: { secret: `whsec_${"b".repeat(64)}` }, responseOptions: json };
    });
    const result = await client.rotateWebhookSecret(WH);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys)).toEqual(new Set([result.idempotencyKey]));
    expect(result.attempts).toBe(3);
    expect(sleeps).toHaveLength(2);
    expect(client.stats.retries).toBe(2);
  });

  it("honours Retry-After given as an HTTP-date", async () => {
    let now = Date.parse("2026-05-01T12:00:00Z");
    const { client, pool, sleeps } = setup({ now: () => now, sleep: async (ms) => { sleeps.push(ms); now += ms; } });
    replyToken(pool);
    pool.intercept({ path: `/v1/webhooks/${WH}/secret`, method: "GET" }).reply(429, { error: { code: "rate_limited", message: "slow down" } }, { headers: { "retry-after": new Date(now + 7000).toUTCString() } });
    pool.intercept({ path: `/v1/webhooks/${WH}/secret`, method: "GET" }).reply(200, { secret: "whsec_x1" }, json);
    await client.getWebhookSecret(WH);
    expect(sleeps).toEqual([7000]);
    expect(client.stats).toMatchObject({ rateLimitWaits: 1, rateLimitWaitMs: 7000, retries: 1 });
  });

  it("does not sleep past the deadline: a Retry-After beyond maxElapsedMs fails at once with a rate-limit hint", async () => {
    const { client, pool, sleeps } = setup({ retry: { maxElapsedMs: 5000 }, sources: { maxConcurrency: "anton:maxConcurrency" } });
    replyToken(pool);
    pool.intercept({ path: ROTATE, method: "POST" }).reply(429, { error: { code: "rate_limited", message: "Retry after 42 seconds." } }, { headers: { "retry-after": "42" } });
    const err = await rejection(client.rotateWebhookSecret(WH));
    expect(sleeps).toEqual([]);
    expect(err).toMatchObject({ status: 429, code: "rate_limited", retryable: true, serverState: "unchanged" });
    expect(err.hint).toMatch(/lower anton:maxConcurrency or run pulumi with a lower --parallel/);
  });

  it("treats a 3xx as a failure and does not follow it", async () => {
    const { client, pool } = setup();
    replyToken(pool);
    pool.intercept({ path: `/v1/webhooks/${WH}`, method: "GET" }).reply(302, "", { headers: { location: "https://evil.test/" } });
    const err = await rejection(client.getWebhook(WH));
    expect(err.status).toBe(302);
    expect(client.stats.byStatusClass["4xx"]).toBe(1);
  });
});

describe("local validation", () => {
  it("rejects bad webhook ids and idempotency keys before any request", async () => {
    const { client, sleeps } = setup();
    for (const id of ["whsec_abcdefabcdef", "wbh_", "wbh_a/b", "../x", ""]) {
      const err = await rejection(client.rotateWebhookSecret(id));
      expect(err.code).toBe("invalid_webhook_id");
      expect(err.attempts).toBe(0);
      expect(err.message).not.toContain("abcdefabcdef");
    }
    for (const key of ["", "has space", "x".repeat(256), "ключ"]) {
      expect((await rejection(client.rotateWebhookSecret(WH, { idempotencyKey: key }))).code).toBe("invalid_idempotency_key");
    }
    expect(client.stats.requests).toBe(0);
    expect(sleeps).toEqual([]);
  });

  it("applies the same webhook-id rule as the resource's check, including the 64-character cap", async () => {
    const { client } = setup();
    const ids = ["wbh_01HX8Z9K0M2N3P4Q5R6S7T8UW", `wbh_${"a".repeat(64)}`, `wbh_${"a".repeat(65)}`, "wbh_", "wbh_a-b", "whk_abc", "WBH_abc", 42];
    for (const id of ids) {
      const resourceAccepts = validateInputs({ webhookId: id }).failures.length === 0;
      // A MockAgent with no interceptors answers nothing: an accepted id fails later, never with invalid_webhook_id.
      const clientAccepts = await client.getWebhook(id as string).then(
        () => true,
        (err: AntonApiError) => err.code !== "invalid_webhook_id",
      );
      expect([id, clientAccepts]).toEqual([id, resourceAccepts]);
    }
    expect(validateInputs({ webhookId: `wbh_${"a".repeat(65)}` }).failures).toHaveLength(1);
    const long = await rejection(client.getWebhook(`wbh_${"a".repeat(65)}`));
    expect(long.message).toMatch(/expected wbh_ followed by 1 to 64 letters and digits/);
  });

  it("fails with client_closed after close()", async () => {
    const { client } = setup();
    await client.close();
    expect((await rejection(client.getWebhook(WH))).code).toBe("client_closed");
  });
});

describe("DPoP nonce challenges", () => {
  it("a challenge that persists after its retry says so, not that the credentials are wrong", async () => {
    const { client, pool } = setup();
    replyToken(pool);
    const challenge = {
      headers: { ...json.headers, "www-authenticate": 'DPoP error="use_dpop_nonce", error_description="nonce required"', "dpop-nonce": "n-123" },
    };
    pool.intercept({ path: ROTATE, method: "POST" }).reply(401, { error: { code: "use_dpop_nonce", message: "nonce required" } }, challenge).times(2);
    const err = await rejection(client.rotateWebhookSecret(WH));
    expect(err.code).toBe("use_dpop_nonce");
    expect(err.attempts).toBe(2);
    expect(err.hint).toMatch(/fresh DPoP nonce again/);
    expect(err.hint).not.toMatch(/clientSecret/);
  });
});

describe("409 in progress", () => {
  it("waits at least the base delay before retrying, even when the jitter draws 0", async () => {
    const random = vi.spyOn(Math, "random").mockReturnValue(0);
    try {
      const { client, pool, sleeps } = setup();
      replyToken(pool);
      pool.intercept({ path: ROTATE, method: "POST" }).reply(409, { error: { code: "idempotency_key_in_use", message: "still processing" } }, json);
      pool.intercept({ path: ROTATE, method: "POST" }).reply(200, { secret: "whsec_" + "3".repeat(40) }, json);
      const r = await client.rotateWebhookSecret(WH);
      expect(r.attempts).toBe(2);
      expect(sleeps).toEqual([200]);
    } finally {
      random.mockRestore();
    }
  });
});
