/**
 * Found by the full-size chaos run (50 concurrent webhooks, early token expiry): a
 * call whose fresh token was rejected failed outright, even when another call had
 * already replaced that token. A rejection of a token that is no longer the cached
 * one says nothing about the current token, so the call retries with it.
 * MockAgent: the interleaving of two calls and three tokens cannot be forced over real HTTP.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AntonApiError } from "../../provider/client";
import { mockClient, TOKEN_PATH } from "../client/support";

const WH = "wbh_tokenrace";
const json = { headers: { "content-type": "application/json" } };
const T = (n: number) => `tok${n}_${"x".repeat(40)}`;
const invalidToken = { headers: { ...json.headers, "www-authenticate": 'DPoP error="invalid_token"' } };

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.map((f) => f()));
  cleanup = [];
});

function setup() {
  const m = mockClient();
  cleanup.push(() => m.client.close(), () => m.agent.close());
  for (const n of [1, 2, 3]) m.pool.intercept({ path: TOKEN_PATH, method: "POST" }).reply(200, { access_token: T(n), token_type: "DPoP", expires_in: 3600 }, json);
  const path = `/v1/webhooks/${WH}/secret`;
  const byToken = (n: number) => ({ path, method: "GET" as const, headers: { authorization: `DPoP ${T(n)}` } });
  return { ...m, byToken };
}

describe("invalid_token for a token another call already replaced", () => {
  it("is retried with the current token instead of failing the call", async () => {
    const { client, pool, byToken } = setup();
    let b: Promise<unknown> | undefined;
    // A: T1 rejected -> A mints T2 -> A's T2 request is answered late (401); meanwhile
    // B gets T2 rejected at once, mints T3 and succeeds. A's late 401 is for a stale token.
    pool.intercept(byToken(1)).reply(401, { error: { code: "invalid_token", message: "expired" } }, invalidToken);
    pool
      .intercept(byToken(2))
      .reply(() => {
        b = client.getWebhookSecret(WH);
        return { statusCode: 401, data: { error: { code: "invalid_token", message: "revoked" } }, responseOptions: invalidToken };
      })
      .delay(100);
    pool.intercept(byToken(2)).reply(401, { error: { code: "invalid_token", message: "revoked" } }, invalidToken);
    pool.intercept(byToken(3)).reply(200, { secret: "whsec_" + "b".repeat(64) }, json).times(2);

    const a = await client.getWebhookSecret(WH);
    expect(a.secret).toBe("whsec_" + "b".repeat(64));
    expect(await b).toMatchObject({ secret: "whsec_" + "b".repeat(64) });
    expect(client.stats.tokensMinted).toBe(3);
  });

  it("still fails when the call's own fresh token is rejected (no endless re-minting)", async () => {
    const { client, pool, byToken } = setup();
    pool.intercept(byToken(1)).reply(401, { error: { code: "invalid_token", message: "expired" } }, invalidToken);
    pool.intercept(byToken(2)).reply(401, { error: { code: "invalid_token", message: "revoked" } }, invalidToken);
    const err = await client.getWebhookSecret(WH).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AntonApiError);
    expect(err).toMatchObject({ status: 401, code: "invalid_token", attempts: 2, serverState: "unchanged" });
    expect(client.stats.tokensMinted).toBe(2);
  });
});
