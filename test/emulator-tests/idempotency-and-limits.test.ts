import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setup, Merchant } from "./support";
import type { Emulator } from "../../provider/emulator";

let emu: Emulator;
let merchant: Merchant;
afterEach(() => emu?.close());

describe("idempotency", () => {
  it("replays the original response for the same key and body, with no side effect", async () => {
    ({ emu, merchant } = await setup());
    const body = { url: "https://hooks.example.com/i", events: ["*"] };
    const first = await merchant.createWebhook(body, "key-1");
    const again = await merchant.createWebhook(body, "key-1");
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers["x-idempotent-replayed"]).toBe("true");
    expect(first.headers["x-idempotent-replayed"]).toBeUndefined();
    expect(emu.state.webhooks()).toHaveLength(1);
  });

  it("refuses the same key with a different body (422) and scopes keys per merchant", async () => {
    ({ emu, merchant } = await setup());
    await merchant.createWebhook({ url: "https://hooks.example.com/1", events: ["*"] }, "shared");
    const reused = await merchant.createWebhook({ url: "https://hooks.example.com/2", events: ["*"] }, "shared");
    expect([reused.status, reused.body.error.code]).toEqual([422, "idempotency_key_reused"]);
    const other = new Merchant(emu, await emu.addClient());
    expect((await other.createWebhook({ url: "https://hooks.example.com/2", events: ["*"] }, "shared")).status).toBe(201);
  });

  it("honours a key on rotate: a retry returns the same secret and rotates once", async () => {
    ({ emu, merchant } = await setup());
    const hook = emu.createWebhook();
    const path = `/v1/webhooks/${hook.id}/secret/rotate`;
    const a = await merchant.call("POST", path, { headers: { "idempotency-key": "rot-1" } });
    const b = await merchant.call("POST", path, { headers: { "idempotency-key": "rot-1" } });
    expect(b.body.secret).toBe(a.body.secret);
    expect([a.headers["x-idempotent-replayed"], b.headers["x-idempotent-replayed"]]).toEqual([undefined, "true"]);
    expect(emu.state.rotations(hook.id)).toBe(1);
    expect(emu.state.currentSecret(hook.id)).toBe(a.body.secret);
    const otherHook = emu.createWebhook();
    const reused = await merchant.call("POST", `/v1/webhooks/${otherHook.id}/secret/rotate`, { headers: { "idempotency-key": "rot-1" } });
    expect([reused.status, reused.body.error.code]).toEqual([422, "idempotency_key_reused"]);
    expect(emu.state.rotations(otherHook.id)).toBe(0);
    const tooLong = await merchant.call("POST", path, { headers: { "idempotency-key": "k".repeat(256) } });
    expect([tooLong.status, tooLong.body.error.code]).toEqual([400, "invalid_request"]);
  });

  it("answers 409 while a request with the same key is in flight", async () => {
    ({ emu, merchant } = await setup());
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const delivering = new Promise<void>((r) => (arrived = r));
    const receiver: Server = createServer((req, res) => {
      req.resume();
      arrived();
      void held.then(() => res.end("ok"));
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    try {
      const hook = emu.createWebhook({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` });
      const path = `/v1/webhooks/${hook.id}/test`;
      const first = merchant.call("POST", path, { headers: { "idempotency-key": "in-flight" } });
      await delivering;
      const second = await merchant.call("POST", path, { headers: { "idempotency-key": "in-flight" } });
      expect([second.status, second.body.error.code]).toEqual([409, "idempotency_key_in_use"]);
      release();
      expect((await first).body.delivered).toBe(true);
    } finally {
      release();
      receiver.closeAllConnections();
      receiver.close();
    }
  });
});

describe("rate limit", () => {
  it("sends X-RateLimit-* on every /v1 response and 429 with Retry-After over the limit", async () => {
    ({ emu, merchant } = await setup({ rateLimit: { limit: 3, windowMs: 60_000 } }));
    const hook = emu.createWebhook();
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await merchant.call("GET", `/v1/webhooks/${hook.id}`);
      expect(res.status).toBe(200);
      expect(res.headers["x-ratelimit-limit"]).toBe("3");
      expect(Number(res.headers["x-ratelimit-reset"])).toBeGreaterThan(Date.now() / 1000);
      remaining.push(res.headers["x-ratelimit-remaining"]!);
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const limited = await merchant.call("GET", `/v1/webhooks/${hook.id}`);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    const retryAfter = Number(limited.headers["retry-after"]);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
    expect(limited.body.error.message).toBe(`Rate limit exceeded. Retry after ${retryAfter} seconds.`);
    // Per merchant: another client is unaffected, and the token endpoint is not limited.
    expect((await merchant.tokenRequest()).status).toBe(200);
    const other = new Merchant(emu, await emu.addClient());
    expect((await other.call("GET", "/v1/webhooks")).status).toBe(200);
  });

  it("rolls the window with the clock", async () => {
    let now = Date.now();
    ({ emu, merchant } = await setup({ rateLimit: { limit: 1, windowMs: 10_000 }, now: () => now }));
    const proof = () => ({ proof: { iat: Math.floor(now / 1000) } });
    expect((await merchant.call("GET", "/v1/webhooks", proof())).status).toBe(200);
    expect((await merchant.call("GET", "/v1/webhooks", proof())).status).toBe(429);
    now += 10_001;
    expect((await merchant.call("GET", "/v1/webhooks", proof())).status).toBe(200);
  });

  it("can be disabled", async () => {
    ({ emu, merchant } = await setup({ rateLimit: false }));
    const res = await merchant.call("GET", "/v1/webhooks");
    expect(res.status).toBe(200);
    expect(res.headers["x-ratelimit-limit"]).toBeUndefined();
  });
});

describe("DPoP nonces", () => {
  it("challenges the token endpoint with 400 use_dpop_nonce, then accepts the nonce", async () => {
    ({ emu, merchant } = await setup());
    emu.faults.requireNonce(true);
    const challenged = await merchant.tokenRequest();
    expect([challenged.status, challenged.body.error.code]).toEqual([400, "use_dpop_nonce"]);
    const nonce = challenged.headers["dpop-nonce"]!;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    const ok = await merchant.tokenRequest({ nonce });
    expect(ok.status).toBe(200);
    expect(ok.headers["dpop-nonce"]).toBeTruthy();
    expect((await merchant.tokenRequest({ nonce: "stale" })).body.error.code).toBe("use_dpop_nonce");
  });

  it("challenges /v1 with 401 and WWW-Authenticate, then accepts the nonce", async () => {
    ({ emu, merchant } = await setup());
    await merchant.login();
    emu.faults.requireNonce(true);
    const challenged = await merchant.call("GET", "/v1/webhooks");
    expect([challenged.status, challenged.body.error.code]).toEqual([401, "use_dpop_nonce"]);
    expect(challenged.headers["www-authenticate"]).toMatch(/^DPoP .*error="use_dpop_nonce", error_description="[^"]+"/);
    const ok = await merchant.call("GET", "/v1/webhooks", { proof: { nonce: challenged.headers["dpop-nonce"] } });
    expect(ok.status).toBe(200);
    expect(ok.headers["dpop-nonce"]).toBeTruthy();
    expect(emu.faults.injected.nonce).toBe(1);
  });
});
