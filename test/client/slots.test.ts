/**
 * maxConcurrency bounds work, not only sockets: a proof is signed when a slot
 * frees, just before its request goes out, so a deep queue (hundreds of
 * Creates in flight) neither carries proofs signed long before use nor spends
 * a burst of CPU signing them all up front.
 */
import * as jose from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { mockClient, replyToken } from "./helpers";

const ids = Array.from({ length: 6 }, (_, i) => `wbh_01HX8Z9K0M2N3P4Q5R6S7T8U${i}`);
const json = { headers: { "content-type": "application/json" } };

afterEach(() => vi.restoreAllMocks());

describe("connection slots", () => {
  it("signs each proof only once a slot is free, right before sending", async () => {
    const sign = vi.spyOn(jose.SignJWT.prototype, "sign");
    const { client, pool } = mockClient({ maxConcurrency: 2 });
    replyToken(pool);
    // Proofs signed (token proof excluded) at the moment each rotation reaches the server.
    const signedWhenSent: number[] = [];
    for (const id of ids) {
      pool
        .intercept({ path: `/v1/webhooks/${id}/secret/rotate`, method: "POST" })
        .reply(() => {
          signedWhenSent.push(sign.mock.calls.length - 1);
          return { statusCode: 200, data: { secret: `whsec_${"7".repeat(40)}` }, responseOptions: json };
        })
        .delay(30);
    }
    try {
      const results = await Promise.all(ids.map((id) => client.rotateWebhookSecret(id)));
      expect(results).toHaveLength(6);
      // Two slots: the k-th rotation to go out can find at most k + 1 proofs signed (its own and the other
      // slot's), never all six as when every proof was signed before queueing for a socket.
      expect(signedWhenSent).toHaveLength(6);
      signedWhenSent.forEach((signed, k) => expect(signed).toBeLessThanOrEqual(k + 2));
      expect(signedWhenSent[2]).toBeLessThan(6);
      expect(sign.mock.calls.length).toBe(7); // 1 token proof + 6 resource proofs: no extra signing
    } finally {
      await client.close();
    }
  });
});

