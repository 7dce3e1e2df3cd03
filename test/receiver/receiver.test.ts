/** The example receiver over real HTTP on 127.0.0.1: status codes, raw bytes, dedup, limits, and what it logs. */
import { afterEach, describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { request } from "undici";
import { createSignatureHeaders } from "pulumi-anton";
import { createReceiver, type AntonEvent, type DeliveryInfo, type ReceiverOptions, type ReceiverServer } from "../../examples/receiver/receiver";
import { secretFingerprint } from "../../examples/receiver/secrets";
import { closeServer, listen, post } from "./support";

const CURRENT = `whsec_${"c".repeat(64)}`;
const PREVIOUS = `whsec_${"p".repeat(64)}`;
const CANARY = "CANARY-a81f";

let server: ReceiverServer | undefined;
afterEach(async () => {
  if (server) await closeServer(server);
  server = undefined;
});

interface Harness {
  url: string;
  server: ReceiverServer;
  logs: string[];
  events: { event: AntonEvent; delivery: DeliveryInfo }[];
}

async function start(options: Partial<ReceiverOptions> = {}): Promise<Harness> {
  const logs: string[] = [];
  const events: Harness["events"] = [];
  server = createReceiver({
    secrets: () => ({ current: CURRENT, previous: PREVIOUS }),
    log: (line) => logs.push(line),
    onEvent: (event, delivery) => void events.push({ event, delivery }),
    ...options,
  });
  const url = await listen(server);
  return { url, server, logs, events };
}

let seq = 0;
function event(extra: Record<string, unknown> = {}): { id: string; body: string } {
  const id = `evt_${++seq}x`;
  return { id, body: JSON.stringify({ id, type: "payout.completed", data: { note: CANARY }, ...extra }) };
}
function signed(body: string | Buffer, secrets = [CURRENT], opts: { scheme?: "A" | "B"; timestamp?: number; eventId?: string } = {}): Record<string, string> {
  return { "content-type": "application/json", ...createSignatureHeaders({ secrets, body, ...opts }) };
}

/** Nothing a sender controls, and nothing secret, ever reaches the log. */
function expectCleanLogs(logs: string[]): void {
  const text = logs.join("\n");
  expect(text).not.toContain("whsec_");
  expect(text).not.toContain(CANARY);
  expect(text).not.toMatch(/[0-9a-f]{64}/);
  for (const line of logs) expect(line).toMatch(/^anton_webhook( [a-z_]+=[A-Za-z0-9._:/-]*)+$/);
}

describe("accepting deliveries", () => {
  it("202 for a scheme A delivery; onEvent gets the parsed event and what verified it", async () => {
    const h = await start();
    const e = event();
    const res = await post(h.url, e.body, signed(e.body, [CURRENT], { eventId: e.id }));
    expect(res).toMatchObject({ status: 202, text: '{"ok":true}' });
    expect(h.events).toEqual([
      { event: JSON.parse(e.body), delivery: { scheme: "A", timestamp: expect.any(Number), secretIndex: 0, secretFingerprint: secretFingerprint(CURRENT) } },
    ]);
    expect(h.logs).toEqual([
      `anton_webhook outcome=accepted status=202 event_id=${e.id} event_type=payout.completed scheme=A secret_index=0 secret_fingerprint=${secretFingerprint(CURRENT)}`,
    ]);
    expectCleanLogs(h.logs);
  });

  it("202 for scheme B", async () => {
    const h = await start();
    const e = event();
    expect((await post(h.url, e.body, signed(e.body, [CURRENT], { scheme: "B" }))).status).toBe(202);
    expect(h.events[0]!.delivery.scheme).toBe("B");
  });

  it("a delivery only the previous secret verifies: secretIndex 1 in onEvent, the log line and the stats", async () => {
    const h = await start();
    const e = event();
    expect((await post(h.url, e.body, signed(e.body, [PREVIOUS]))).status).toBe(202);
    expect(h.events[0]!.delivery).toMatchObject({ secretIndex: 1, secretFingerprint: secretFingerprint(PREVIOUS) });
    expect(h.logs[0]).toContain(`secret_index=1 secret_fingerprint=${secretFingerprint(PREVIOUS)}`);
    expect(h.server.stats.bySecretIndex).toEqual([0, 1]);
    expectCleanLogs(h.logs);
  });

  it("a sender signing with both (grace period) verifies against current first", async () => {
    const h = await start();
    const e = event();
    expect((await post(h.url, e.body, signed(e.body, [CURRENT, PREVIOUS]))).status).toBe(202);
    expect(h.events[0]!.delivery.secretIndex).toBe(0);
  });

  it("verifies the raw bytes: whitespace, key order and non-ASCII survive (re-serializing would break the signature)", async () => {
    const h = await start();
    const body = Buffer.from('{ "type" : "test",\n  "id":"evt_rawbytes", "data": {"name":"Zoë \\u00e9", "n": 1.50} }\n', "utf8");
    expect(JSON.stringify(JSON.parse(body.toString()))).not.toBe(body.toString());
    expect((await post(h.url, body, signed(body))).status).toBe(202);
    expect(h.events[0]!.event.id).toBe("evt_rawbytes");
  });

  it("secrets are read per delivery, so a changed source applies to the next request", async () => {
    let secrets = { current: PREVIOUS };
    const h = await start({ secrets: () => secrets });
    const a = event();
    expect((await post(h.url, a.body, signed(a.body, [CURRENT]))).status).toBe(401);
    secrets = { current: CURRENT };
    const b = event();
    expect((await post(h.url, b.body, signed(b.body, [CURRENT]))).status).toBe(202);
  });
});

describe("deduplication on the signed event id", () => {
  it("a redelivery (new timestamp, new signature) gets 200 and is not processed again", async () => {
    const h = await start();
    const e = event();
    expect((await post(h.url, e.body, signed(e.body))).status).toBe(202);
    expect((await post(h.url, e.body, signed(e.body, [CURRENT], { timestamp: Math.floor(Date.now() / 1000) - 60 }))).status).toBe(200);
    expect(h.events).toHaveLength(1);
    expect(h.server.stats).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(h.logs[1]).toMatch(/^anton_webhook outcome=duplicate status=200 event_id=/);
  });

  it("a replay with a different (unsigned) X-Webhook-ID is still a duplicate", async () => {
    const h = await start();
    const e = event();
    const headers = signed(e.body, [CURRENT], { eventId: e.id });
    expect((await post(h.url, e.body, headers)).status).toBe(202);
    expect((await post(h.url, e.body, { ...headers, "X-Webhook-ID": "evt_other" })).status).toBe(200);
    expect(h.events).toHaveLength(1);
  });

  it("memory is bounded: beyond maxEntries the oldest id is forgotten", async () => {
    const h = await start({ dedupe: { maxEntries: 2 } });
    const [a, b, c] = [event(), event(), event()];
    for (const e of [a, b, c]) expect((await post(h.url, e.body, signed(e.body))).status).toBe(202);
    expect((await post(h.url, c.body, signed(c.body))).status).toBe(200);
    expect((await post(h.url, a.body, signed(a.body))).status).toBe(202);
  });

  it("ids expire after ttlSeconds", async () => {
    let now = Date.now();
    const h = await start({ dedupe: { ttlSeconds: 60 }, now: () => now });
    const e = event();
    const first = signed(e.body, [CURRENT], { timestamp: Math.floor(now / 1000) });
    expect((await post(h.url, e.body, first)).status).toBe(202);
    now += 61_000;
    expect((await post(h.url, e.body, signed(e.body, [CURRENT], { timestamp: Math.floor(now / 1000) }))).status).toBe(202);
    expect(h.events).toHaveLength(2);
  });
});

describe("rejecting requests, without detail", () => {
  const cases: Array<[string, () => { body: string | Buffer; headers: Record<string, string | string[]> }, number, string]> = [
    ["no signature headers", () => ({ body: event().body, headers: { "content-type": "application/json" } }), 400, "missing_header"],
    [
      "signature without timestamp",
      () => {
        const e = event();
        const { "X-Webhook-Timestamp": _t, ...h } = signed(e.body);
        return { body: e.body, headers: h };
      },
      400,
      "missing_header",
    ],
    ["non-numeric timestamp", () => ({ body: event().body, headers: { "X-Webhook-Signature": `v1=${"0".repeat(64)}`, "X-Webhook-Timestamp": "soon" } }), 400, "malformed"],
    [
      "repeated timestamp header",
      () => {
        const e = event();
        const h = signed(e.body);
        return { body: e.body, headers: { ...h, "X-Webhook-Timestamp": [h["X-Webhook-Timestamp"]!, h["X-Webhook-Timestamp"]!] } };
      },
      400,
      "duplicate_header",
    ],
    ["legacy scheme only", () => ({ body: event().body, headers: { "X-Anton-Signature": "0".repeat(64) } }), 400, "legacy_scheme_disabled"],
    ["wrong secret", () => ({ body: event().body, headers: signed(event().body, [`whsec_${"w".repeat(64)}`]) }), 401, "no_matching_signature"],
    [
      "tampered body",
      () => {
        const e = event();
        return { body: e.body.replace("payout", "pay0ut"), headers: signed(e.body) };
      },
      401,
      "no_matching_signature",
    ],
    [
      "old timestamp",
      () => {
        const e = event();
        return { body: e.body, headers: signed(e.body, [CURRENT], { timestamp: Math.floor(Date.now() / 1000) - 301 }) };
      },
      401,
      "timestamp_out_of_range",
    ],
    [
      "future timestamp",
      () => {
        const e = event();
        return { body: e.body, headers: signed(e.body, [CURRENT], { timestamp: Math.floor(Date.now() / 1000) + 400 }) };
      },
      401,
      "timestamp_out_of_range",
    ],
  ];

  it.each(cases)("%s: %i with a generic body; the reason only in the log", async (_name, make, status, reason) => {
    const h = await start();
    const { body, headers } = make();
    const res = await post(h.url, body, headers);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.text)).toEqual({ error: status === 400 ? "bad_request" : "unauthorized" });
    expect(h.events).toEqual([]);
    expect(h.logs).toHaveLength(1);
    expect(h.logs[0]).toMatch(new RegExp(`^anton_webhook outcome=rejected status=${status} reason=${reason}( |$)`));
    expect(h.server.stats.rejected).toEqual({ [reason]: 1 });
    expectCleanLogs(h.logs);
  });

  it("the same request with the signature held under either secret differs only by status class, never by body detail", async () => {
    const h = await start();
    const stale = event();
    const wrong = event();
    const a = await post(h.url, stale.body, signed(stale.body, [CURRENT], { timestamp: Math.floor(Date.now() / 1000) - 3600 }));
    const b = await post(h.url, wrong.body, signed(wrong.body, [`whsec_${"z".repeat(64)}`]));
    expect([a.status, a.text]).toEqual([b.status, b.text]);
  });

  it.each(["GET", "PUT", "DELETE"])("%s: 405 with Allow: POST", async (method) => {
    const h = await start();
    const res = await request(h.url, { method: method as "GET", body: method === "GET" ? undefined : "{}" });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe("POST");
    await res.body.text();
    expect(h.logs).toEqual(["anton_webhook outcome=rejected status=405 reason=method_not_allowed"]);
  });

  it("another path than `path`: 404", async () => {
    const h = await start({ path: "/webhooks/anton" });
    const e = event();
    expect((await post(h.url.replace("/webhooks/anton", "/other"), e.body, signed(e.body))).status).toBe(404);
    expect((await post(h.url, e.body, signed(e.body))).status).toBe(202);
  });

  it("an authentic body that is not an event (not JSON, or no id/type): 400 invalid_payload, not processed", async () => {
    const h = await start();
    for (const body of [`not json ${CANARY}`, JSON.stringify({ type: "x", note: CANARY }), "[1,2]"]) {
      expect((await post(h.url, body, signed(body))).status).toBe(400);
    }
    expect(h.events).toEqual([]);
    expect(h.server.stats.rejected).toEqual({ invalid_payload: 3 });
    expectCleanLogs(h.logs);
  });
});

describe("body size cap", () => {
  it("exactly 1 MiB is accepted; 1 MiB + 1 byte gets 413 (declared Content-Length)", async () => {
    const h = await start();
    const prefix = '{"id":"evt_big","type":"test","pad":"';
    const exact = prefix + "x".repeat(1024 * 1024 - prefix.length - 2) + '"}';
    expect(Buffer.byteLength(exact)).toBe(1024 * 1024);
    expect((await post(h.url, exact, signed(exact))).status).toBe(202);
    const over = exact.replace('"pad":"', '"pad":"y');
    const res = await post(h.url, over, signed(over));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({ error: "payload_too_large" });
    expect(h.events).toHaveLength(1);
  });

  it("a chunked body that grows past the cap is cut off with 413", async () => {
    const h = await start({ maxBodyBytes: 1024 });
    const body = "x".repeat(4096);
    async function* chunks() {
      for (let i = 0; i < 4; i++) yield Buffer.from(body.slice(i * 1024, (i + 1) * 1024));
    }
    const res = await request(h.url, { method: "POST", body: Readable.from(chunks()), headers: signed(body) }).catch((e: Error) => e);
    // Either the 413 arrives, or the socket closes while the client is still sending; never a 2xx.
    if (!(res instanceof Error)) {
      expect(res.statusCode).toBe(413);
      await res.body.text();
    }
    expect(h.server.stats.rejected).toEqual({ too_large: 1 });
    expect(h.events).toEqual([]);
  });
});

describe("failures on the receiver's side", () => {
  it("secrets unavailable: 503 with Retry-After, so the sender retries; the error message is not logged", async () => {
    const h = await start({
      secrets: () => {
        throw new Error(`vault unreachable ${CURRENT}`);
      },
    });
    const e = event();
    const res = await post(h.url, e.body, signed(e.body));
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("30");
    expect(h.logs).toEqual(["anton_webhook outcome=rejected status=503 reason=secrets_unavailable"]);
  });

  it("a misconfigured secret (trailing newline) is a 500, not a 4xx blamed on the sender", async () => {
    const h = await start({ secrets: () => ({ current: `${CURRENT}\n` }) });
    const e = event();
    expect((await post(h.url, e.body, signed(e.body))).status).toBe(500);
    expect(h.logs).toEqual(["anton_webhook outcome=rejected status=500 reason=invalid_configuration"]);
    expectCleanLogs(h.logs);
  });

  it("onEvent throwing (with the payload in its message) still answers 202; only the error name is logged", async () => {
    const h = await start({
      onEvent: async (ev) => {
        throw new RangeError(`cannot process ${JSON.stringify(ev)}`);
      },
    });
    const e = event();
    expect((await post(h.url, e.body, signed(e.body))).status).toBe(202);
    await new Promise((r) => setImmediate(r));
    expect(h.logs[1]).toBe(`anton_webhook outcome=handler_error event_id=${e.id} error=RangeError`);
    expect(h.server.stats.handlerErrors).toBe(1);
    expectCleanLogs(h.logs);
  });

  it("an event id or type crafted to inject log fields is neutralised", async () => {
    const h = await start();
    const body = JSON.stringify({ id: "evt_1 outcome=rejected\nanton_webhook x=y", type: "a b=c" });
    expect((await post(h.url, body, signed(body))).status).toBe(202);
    expect(h.logs).toHaveLength(1);
    expect(h.logs[0]).toContain("event_id=evt_1_outcome_rejected_anton_webhook_x_y event_type=a_b_c ");
    expectCleanLogs(h.logs);
  });
});
