import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setup, Merchant } from "./support";
import { signPayload } from "../../provider/emulator/signing";
import type { Emulator } from "../../provider/emulator";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let receiver: Server;
let received: Received[];
let receiverUrl: string;
let status = 200;
let emu: Emulator;
let merchant: Merchant;

beforeEach(async () => {
  received = [];
  status = 200;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterEach(async () => {
  await emu?.close();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

const signatures = (header: string | undefined) => (header ?? "").split(",").map((s) => s.trim().replace(/^v1=/, ""));

describe("test deliveries", () => {
  it("POSTs a scheme-A signed test event to a loopback receiver", async () => {
    ({ emu, merchant } = await setup());
    const hook = emu.createWebhook({ url: receiverUrl });
    const res = await merchant.call("POST", `/v1/webhooks/${hook.id}/test`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ delivered: true, status: 200, event_id: expect.stringMatching(/^evt_[A-Za-z0-9]+$/) });
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    expect(JSON.parse(body)).toEqual({ id: res.body.event_id, type: "test", created_at: expect.any(String), data: { webhook_id: hook.id } });
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["user-agent"]).toBe("AntonPayments-Webhook/1.0");
    expect(headers["x-webhook-id"]).toBe(res.body.event_id);
    expect(headers["x-webhook-event"]).toBe("test");
    const ts = headers["x-webhook-timestamp"] as string;
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(5);
    expect(headers["x-webhook-signature"]).toBe(`v1=${signPayload(hook.secret, ts, body)}`);
    expect(headers["x-webhook-signature"]).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it("signs with both secrets during the grace period, new first", async () => {
    ({ emu, merchant } = await setup({ graceSeconds: 3600 }));
    const hook = emu.createWebhook({ url: receiverUrl });
    const rotated = await merchant.call("POST", `/v1/webhooks/${hook.id}/secret/rotate`);
    await merchant.call("POST", `/v1/webhooks/${hook.id}/test`);
    const { headers, body } = received[0]!;
    const ts = headers["x-webhook-timestamp"] as string;
    expect(signatures(headers["x-webhook-signature"] as string)).toEqual([signPayload(rotated.body.secret, ts, body), signPayload(hook.secret, ts, body)]);
  });

  it("signs with the new secret only once the grace period is over (default 0)", async () => {
    ({ emu, merchant } = await setup());
    const hook = emu.createWebhook({ url: receiverUrl });
    const rotated = await merchant.call("POST", `/v1/webhooks/${hook.id}/secret/rotate`);
    await merchant.call("POST", `/v1/webhooks/${hook.id}/test`);
    const { headers, body } = received[0]!;
    expect(signatures(headers["x-webhook-signature"] as string)).toEqual([signPayload(rotated.body.secret, headers["x-webhook-timestamp"] as string, body)]);
  });

  it("uses Anton-Signature for scheme B, with setGrace applying to later rotations", async () => {
    ({ emu, merchant } = await setup({ signatureScheme: "B" }));
    emu.faults.setGrace(60);
    const hook = emu.createWebhook({ url: receiverUrl });
    const newSecret = emu.rotateOutOfBand(hook.id);
    await merchant.call("POST", `/v1/webhooks/${hook.id}/test`);
    const { headers, body } = received[0]!;
    expect(headers["x-webhook-signature"]).toBeUndefined();
    const parts = (headers["anton-signature"] as string).split(",");
    const t = parts[0]!.replace(/^t=/, "");
    expect(parts).toEqual([`t=${t}`, `v1=${signPayload(newSecret, t, body)}`, `v1=${signPayload(hook.secret, t, body)}`]);
  });

  it("reports a failing receiver as not delivered", async () => {
    ({ emu, merchant } = await setup());
    status = 500;
    const hook = emu.createWebhook({ url: receiverUrl });
    const res = await merchant.call("POST", `/v1/webhooks/${hook.id}/test`);
    expect(res.body).toMatchObject({ delivered: false, status: 500 });
    const gone = emu.createWebhook({ url: "http://127.0.0.1:9/closed" });
    expect((await merchant.call("POST", `/v1/webhooks/${gone.id}/test`)).body).toEqual({ delivered: false, event_id: expect.any(String) });
  });

  it("never sends traffic off the machine: non-loopback URLs get 422", async () => {
    ({ emu, merchant } = await setup());
    const hook = emu.createWebhook({ url: "https://hooks.example.com/anton" });
    const res = await merchant.call("POST", `/v1/webhooks/${hook.id}/test`);
    expect([res.status, res.body.error.code]).toEqual([422, "validation_error"]);
  });
});

describe("signPayload", () => {
  it("is HMAC-SHA256 over `{timestamp}.{body}` keyed with the full whsec_ string, lowercase hex", () => {
    // Independent reference: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'whsec_test'
    const expected = "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789";
    expect(signPayload("whsec_test", 1700000000, '{"a":1}')).toBe(expected);
    expect(signPayload("whsec_test", "1700000000", Buffer.from('{"a":1}'))).toBe(expected);
  });
});
