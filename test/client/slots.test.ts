/**
 * maxConcurrency bounds work, not only sockets: a proof is signed when a slot
 * frees, just before its request goes out, so a deep queue (hundreds of
 * Creates in flight) neither carries proofs signed long before use nor spends
 * a burst of CPU signing them all up front.
 */
import * as jose from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Semaphore } from "../../provider/client/http";
import { mockClient, replyToken } from "./support";

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


describe("aborting a call that waits for a slot", () => {
  it("rejects it at once with aborted and the server unchanged, and never sends it", async () => {
    const { client, pool } = mockClient({ maxConcurrency: 1 });
    replyToken(pool);
    let rotates = 0;
    for (const id of ids.slice(0, 2)) {
      pool
        .intercept({ path: `/v1/webhooks/${id}/secret/rotate`, method: "POST" })
        .reply(() => {
          rotates += 1;
          return { statusCode: 200, data: { secret: `whsec_${"7".repeat(40)}` }, responseOptions: json };
        })
        .delay(100);
    }
    // One answered request first: until then the rate pacer admits a single probe, and the second call
    // would wait (abortably) there instead of for the connection slot this test is about.
    pool.intercept({ path: `/v1/webhooks/${ids[5]}/secret`, method: "GET" }).reply(200, { secret: `whsec_${"5".repeat(40)}` }, json);
    try {
      await client.getWebhookSecret(ids[5]!);
      const order: string[] = [];
      const first = client.rotateWebhookSecret(ids[0]!).then(() => order.push("first done"));
      await new Promise((r) => setTimeout(r, 10)); // the first holds the only slot
      const controller = new AbortController();
      const second = client.rotateWebhookSecret(ids[1]!, { signal: controller.signal }).catch((e: unknown) => {
        order.push("second rejected");
        return e;
      });
      controller.abort();
      const err = (await second) as { code?: string; serverState?: string };
      await first;
      expect(order).toEqual(["second rejected", "first done"]);
      expect(err).toMatchObject({ code: "aborted", serverState: "unchanged" });
      expect(rotates).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("a caller that gave its slot back queues ahead of the others (front), the rest stay FIFO", async () => {
    const slots = new Semaphore(1);
    const order: string[] = [];
    const held = await slots.acquire();
    const queue = (name: string, front = false) => slots.acquire(undefined, front).then((release) => (order.push(name), release));
    const a = queue("a");
    const b = queue("b");
    const front1 = queue("front1", true);
    const front2 = queue("front2", true);
    held();
    for (const next of [front1, front2, a, b]) (await next)();
    expect(order).toEqual(["front1", "front2", "a", "b"]);
  });

  it("an already aborted caller gets no slot, even a free one", async () => {
    const slots = new Semaphore(1);
    const reason = new Error("aborted");
    await expect(slots.acquire(AbortSignal.abort(reason))).rejects.toBe(reason);
    const release = await slots.acquire(); // the slot is still free
    release();
  });
});
