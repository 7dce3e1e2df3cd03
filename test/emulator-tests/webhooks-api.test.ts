import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup, http, Merchant } from "./support";
import type { Emulator } from "../../provider/emulator";

let emu: Emulator;
let merchant: Merchant;
beforeAll(async () => ({ emu, merchant } = await setup()));
afterAll(() => emu.close());

describe("webhooks API", () => {
  it("creates a subscription with the documented shape and a whsec_ secret", async () => {
    const res = await merchant.createWebhook({ url: "https://hooks.example.com/a", events: ["payout.completed", "test"], metadata: { team: "pay" } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^wbh_[A-Za-z0-9]{26}$/),
      merchant_id: merchant.creds.clientId,
      url: "https://hooks.example.com/a",
      events: ["payout.completed", "test"],
      version: "2024-01-01",
      created_at: expect.any(String),
      updated_at: expect.any(String),
      metadata: { team: "pay" },
      secret: expect.stringMatching(/^whsec_[0-9a-f]{64}$/),
    });
    expect(emu.state.currentSecret(res.body.id)).toBe(res.body.secret);
  });

  it("requires an Idempotency-Key on create", async () => {
    const res = await merchant.call("POST", "/v1/webhooks", { body: { url: "https://hooks.example.com/b", events: ["*"] } });
    expect([res.status, res.body.error.code]).toEqual([400, "missing_idempotency_key"]);
  });

  it("validates url and events with 422 details, unknown fields with 400", async () => {
    const http_ = await merchant.createWebhook({ url: "http://hooks.example.com/x", events: ["nope.event"] });
    expect(http_.status).toBe(422);
    expect(http_.body.error.code).toBe("validation_error");
    expect(http_.body.error.details.map((d: any) => d.field)).toEqual(["url", "events.0"]);
    const meta = await merchant.createWebhook({ url: "https://169.254.169.254/x", events: ["*"] });
    expect(meta.body.error.details[0].field).toBe("url");
    const extra = await merchant.createWebhook({ url: "https://hooks.example.com/x", events: ["*"], secret: "mine" });
    expect([extra.status, extra.body.error.code]).toEqual([400, "invalid_request"]);
    const loopback = await merchant.createWebhook({ url: "http://127.0.0.1:9999/hook", events: ["*"] });
    expect(loopback.status).toBe(201);
  });

  it("never returns the secret from GET one or list", async () => {
    const hook = emu.createWebhook();
    const one = await merchant.call("GET", `/v1/webhooks/${hook.id}`);
    expect(one.status).toBe(200);
    expect(one.body.secret).toBeUndefined();
    expect(JSON.stringify((await merchant.call("GET", "/v1/webhooks?limit=100")).body)).not.toContain("whsec_");
  });

  it("rotates: new secret, old one kept as previous, counted", async () => {
    const hook = emu.createWebhook();
    const res = await merchant.call("POST", `/v1/webhooks/${hook.id}/secret/rotate`);
    expect(res.status).toBe(200);
    expect(res.body.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(res.body.secret).not.toBe(hook.secret);
    expect(emu.state.previousSecret(hook.id)).toBe(hook.secret);
    expect(emu.state.rotations(hook.id)).toBe(1);
    expect((await merchant.call("GET", `/v1/webhooks/${hook.id}/secret`)).body.secret).toBe(res.body.secret);
    expect(emu.state.requests.byRoute["POST /v1/webhooks/:id/secret/rotate"]).toBeGreaterThanOrEqual(1);
  });

  it("counts out-of-band rotations without counting a request", async () => {
    const hook = emu.createWebhook();
    const before = emu.state.requests.total;
    const secret = emu.rotateOutOfBand(hook.id);
    expect(emu.state.currentSecret(hook.id)).toBe(secret);
    expect(emu.state.rotations(hook.id)).toBe(1);
    expect(emu.state.requests.total).toBe(before);
  });

  it("refuses rotate bodies with parameters", async () => {
    const hook = emu.createWebhook();
    const res = await merchant.call("POST", `/v1/webhooks/${hook.id}/secret/rotate`, { body: { grace: 10 } });
    expect([res.status, res.body.error.code]).toEqual([400, "invalid_request"]);
    expect(emu.state.rotations(hook.id)).toBe(0);
  });

  it("answers 400 for malformed ids without echoing them, 404 for unknown ones", async () => {
    const weird = await merchant.call("GET", "/v1/webhooks/%3Cscript%3E/secret");
    expect([weird.status, weird.body.error.code]).toEqual([400, "invalid_request"]);
    expect(JSON.stringify(weird.body)).not.toMatch(/script/i);
    const missing = await merchant.call("GET", "/v1/webhooks/wbh_doesnotexist00000000000000/secret");
    expect([missing.status, missing.body.error.code]).toEqual([404, "not_found"]);
  });

  it("hides other merchants' webhooks behind 404", async () => {
    const hook = emu.createWebhook();
    const other = new Merchant(emu, await emu.addClient());
    for (const [method, path] of [
      ["GET", `/v1/webhooks/${hook.id}`],
      ["GET", `/v1/webhooks/${hook.id}/secret`],
      ["POST", `/v1/webhooks/${hook.id}/secret/rotate`],
    ] as const) {
      const res = await other.call(method, path);
      expect([res.status, res.body.error.code]).toEqual([404, "not_found"]);
    }
    expect(emu.state.rotations(hook.id)).toBe(0);
    expect((await other.call("GET", "/v1/webhooks")).body.data).toEqual([]);
  });

  it("deletes with 204", async () => {
    const hook = emu.createWebhook();
    expect((await merchant.call("DELETE", `/v1/webhooks/${hook.id}`)).status).toBe(204);
    expect(emu.state.webhook(hook.id)).toBeUndefined();
  });

  it("answers unknown routes with 404, wrong methods with 405, large bodies with 413", async () => {
    const unknown = await merchant.call("GET", "/v1/nothing-here");
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "not_found"]);
    const wrong = await merchant.call("PUT", "/v1/webhooks");
    expect([wrong.status, wrong.headers.allow]).toEqual([405, "POST, GET"]);
    // "Every /v1 response" carries the rate-limit headers, errors from routing included.
    for (const res of [unknown, wrong]) expect(res.headers["x-ratelimit-limit"]).toBe("1000");
    const big = await http(`${emu.url}/v1/webhooks`, { method: "POST", body: "x".repeat(1024 * 1024 + 1), headers: { "content-type": "application/json" } });
    expect([big.status, big.body.error.code]).toEqual([413, "payload_too_large"]);
  });

  it("publishes a JWKS", async () => {
    const res = await http(`${emu.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.body.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(res.body.keys[0].d).toBeUndefined();
  });
});

describe("pagination", () => {
  it("walks 45 webhooks with opaque cursors, 20 per page by default", async () => {
    const local = await setup();
    try {
      const ids = Array.from({ length: 45 }, () => local.emu.createWebhook().id);
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | undefined;
      do {
        const res = await local.merchant.call("GET", `/v1/webhooks${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
        expect(res.status).toBe(200);
        sizes.push(res.body.data.length);
        seen.push(...res.body.data.map((w: any) => w.id));
        expect(JSON.stringify(res.body)).not.toMatch(/whsec_|"secret"/);
        expect(res.body.has_more).toBe(res.body.next_cursor !== undefined);
        cursor = res.body.next_cursor;
      } while (cursor);
      expect(sizes).toEqual([20, 20, 5]);
      expect(seen).toEqual(ids);
      expect(new Set(seen).size).toBe(45);
      const big = await local.merchant.call("GET", "/v1/webhooks?limit=100");
      expect([big.body.data.length, big.body.has_more]).toEqual([45, false]);
    } finally {
      await local.emu.close();
    }
  });

  it("rejects limits outside 1-100 and forged cursors", async () => {
    for (const q of ["limit=0", "limit=101", "limit=abc", "cursor=bm9wZQ"]) {
      const res = await merchant.call("GET", `/v1/webhooks?${q}`);
      expect([q, res.status, res.body.error.code]).toEqual([q, 400, "invalid_request"]);
    }
  });
});
