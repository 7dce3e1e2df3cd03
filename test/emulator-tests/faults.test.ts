import { afterEach, describe, expect, it } from "vitest";
import { request } from "undici";
import { setup, http, Merchant } from "./support";
import { buildProof } from "./proof";
import type { ChaosKind, Emulator } from "../../provider/emulator";

let emu: Emulator;
let merchant: Merchant;
afterEach(() => emu?.close());

const ROTATE = "POST /v1/webhooks/:id/secret/rotate";

describe("fault injection", () => {
  it("failNext answers with the envelope and has no side effect", async () => {
    ({ emu, merchant } = await setup());
    const hook = emu.createWebhook();
    await merchant.login();
    emu.faults.failNext(2, 503, { route: ROTATE });
    for (let i = 0; i < 2; i++) {
      const res = await merchant.call("POST", `/v1/webhooks/${hook.id}/secret/rotate`);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: { message: "internal server error", code: "internal_error" } });
      expect(res.headers["x-request-id"]).toMatch(/^req_/);
      expect(res.headers["retry-after"]).toBe("1");
    }
    expect(emu.state.rotations(hook.id)).toBe(0);
    const ok = await merchant.call("POST", `/v1/webhooks/${hook.id}/secret/rotate`);
    expect(ok.status).toBe(200);
    expect(emu.state.rotations(hook.id)).toBe(1);
    expect(emu.faults.injected["status-503"]).toBe(2);
    // Injected failures report the window but do not use it up: only the real rotate was counted.
    expect(ok.headers["x-ratelimit-remaining"]).toBe("999");
  });

  it("failNext matches only its route (regexp too) and supports custom 4xx", async () => {
    ({ emu, merchant } = await setup());
    const hook = emu.createWebhook();
    emu.faults.failNext(1, 429, { route: /secret$/, retryAfterSeconds: 7 });
    expect((await merchant.call("GET", `/v1/webhooks/${hook.id}`)).status).toBe(200);
    const limited = await merchant.call("GET", `/v1/webhooks/${hook.id}/secret`);
    expect([limited.status, limited.body.error.code, limited.headers["retry-after"]]).toEqual([429, "rate_limited", "7"]);
    expect(limited.body.error.message).toBe("Rate limit exceeded. Retry after 7 seconds.");
    expect([limited.headers["x-ratelimit-limit"], limited.headers["x-ratelimit-remaining"]]).toEqual(["1000", "0"]);
  });

  it("dropAfterCommit commits the rotation, then destroys the socket", async () => {
    ({ emu, merchant } = await setup());
    const hook = emu.createWebhook();
    await merchant.login();
    emu.faults.dropAfterCommit(1, { route: ROTATE });
    await expect(merchant.call("POST", `/v1/webhooks/${hook.id}/secret/rotate`, { headers: { "idempotency-key": "drop-1" } })).rejects.toThrow();
    expect(emu.state.rotations(hook.id)).toBe(1);
    const committed = emu.state.currentSecret(hook.id);
    // The client's retry with the same key learns the committed secret without a second rotation.
    const retry = await merchant.call("POST", `/v1/webhooks/${hook.id}/secret/rotate`, { headers: { "idempotency-key": "drop-1" } });
    expect(retry.body.secret).toBe(committed);
    expect(retry.headers["x-idempotent-replayed"]).toBe("true");
    expect(emu.state.rotations(hook.id)).toBe(1);
    expect(emu.faults.injected["drop-after-commit"]).toBe(1);
  });

  it("delay holds the response after committing", async () => {
    ({ emu, merchant } = await setup());
    const hook = emu.createWebhook();
    const token = await merchant.login();
    emu.faults.delay(5_000, 1, { route: ROTATE });
    const url = `${emu.url}/v1/webhooks/${hook.id}/secret/rotate`;
    const dpop = await buildProof({ key: merchant.key, htm: "POST", htu: url, token });
    await expect(request(url, { method: "POST", headers: { authorization: `DPoP ${token}`, dpop }, headersTimeout: 200 })).rejects.toThrow(/timeout/i);
    expect(emu.state.rotations(hook.id)).toBe(1);
    expect(emu.faults.injected.slow).toBe(1);
    // n = 1: the next response is not delayed.
    expect((await merchant.call("GET", `/v1/webhooks/${hook.id}`)).status).toBe(200);
  });

  it("clear removes queued faults", async () => {
    ({ emu, merchant } = await setup());
    emu.faults.failNext(5, 500);
    emu.faults.clear();
    expect((await merchant.tokenRequest()).status).toBe(200);
  });
});

describe("chaos mode", () => {
  async function run(seed: number): Promise<{ statuses: string[]; injected: Record<string, number> }> {
    const started = await setup({ rateLimit: false });
    const local = started.emu;
    try {
      const hooks = Array.from({ length: 3 }, () => local.createWebhook());
      await started.merchant.login();
      local.faults.random({ rate: 0.5, seed, slowMs: 20 });
      const statuses: string[] = [];
      for (let i = 0; i < 40; i++) {
        const hook = hooks[i % 3]!;
        const res = await started.merchant
          .call("POST", `/v1/webhooks/${hook.id}/secret/rotate`, { headers: { "idempotency-key": `chaos-${i}` } })
          .then((r) => `${r.status}:${r.body?.error?.code ?? "ok"}`, () => "dropped");
        statuses.push(res);
        if (res === "401:invalid_token") await started.merchant.login().catch(() => undefined);
      }
      // Faults never corrupt state: each committed rotation is visible, and secrets stay well-formed.
      for (const hook of hooks) expect(local.state.currentSecret(hook.id)).toMatch(/^whsec_[0-9a-f]{64}$/);
      return { statuses, injected: { ...local.faults.injected } };
    } finally {
      await local.close();
    }
  }

  it("is deterministic for a seed and injects a mix of kinds", async () => {
    const a = await run(42);
    const b = await run(42);
    expect(b.statuses).toEqual(a.statuses);
    expect(b.injected).toEqual(a.injected);
    const kinds = Object.keys(a.injected);
    expect(kinds.length).toBeGreaterThanOrEqual(4);
    expect(a.statuses).toContain("dropped");
    const c = await run(7);
    expect(c.statuses).not.toEqual(a.statuses);
  });

  it("skew rejects the iat and sends the skewed Date; token-expiry answers invalid_token", async () => {
    ({ emu, merchant } = await setup());
    const hook = emu.createWebhook();
    await merchant.login();
    emu.faults.random({ rate: 1, seed: 1, kinds: ["skew"], skewSeconds: 300 });
    const skewed = await merchant.call("GET", `/v1/webhooks/${hook.id}`);
    expect([skewed.status, skewed.body.error.code]).toEqual([401, "invalid_dpop_proof"]);
    expect(skewed.body.error.message).toMatch(/iat/);
    expect(Math.abs(Math.abs(Date.parse(skewed.headers.date!) - Date.now()) - 300_000)).toBeLessThan(5_000);
    emu.faults.random({ rate: 1, seed: 1, kinds: ["token-expiry"] satisfies ChaosKind[] });
    const expired = await merchant.call("GET", `/v1/webhooks/${hook.id}`);
    expect(expired.body.error.code).toBe("invalid_token");
    expect(expired.body.error.message).toMatch(/expired/);
    // token-expiry never applies to the token endpoint, so a new token can always be had.
    expect((await merchant.tokenRequest()).status).toBe(200);
    expect(emu.faults.injected).toMatchObject({ skew: 1, "token-expiry": 1 });
  });

  it("a slow rotate still commits", async () => {
    ({ emu, merchant } = await setup());
    const hook = emu.createWebhook();
    await merchant.login();
    emu.faults.random({ rate: 1, seed: 3, kinds: ["slow"], slowMs: 30 });
    const res = await merchant.call("POST", `/v1/webhooks/${hook.id}/secret/rotate`);
    expect(res.status).toBe(200);
    expect(emu.state.rotations(hook.id)).toBe(1);
  });
});

describe("admin routes", () => {
  it("injects faults and reports counters (never secrets) from loopback", async () => {
    ({ emu, merchant } = await setup());
    const hook = emu.createWebhook();
    const post = (body: unknown) =>
      http(`${emu.url}/__emulator/faults`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    expect((await post({ action: "failNext", n: 1, status: 502, route: "GET /v1/webhooks/:id" })).status).toBe(200);
    expect((await merchant.call("GET", `/v1/webhooks/${hook.id}`)).status).toBe(502);
    expect((await post({ action: "bogus" })).status).toBe(400);
    const plain = await http(`${emu.url}/__emulator/faults`, { method: "POST", body: '{"action":"clear"}', headers: { "content-type": "text/plain" } });
    expect(plain.status).toBe(415);
    const before = emu.state.requests.total;
    const state = await http(`${emu.url}/__emulator/state`);
    expect(state.status).toBe(200);
    expect(state.body.injected).toEqual({ "status-502": 1 });
    expect(state.body.webhooks[0].id).toBe(hook.id);
    expect(JSON.stringify(state.body)).not.toMatch(/whsec_|ant_ocs_/);
    expect(emu.state.requests.total).toBe(before);
  });

  it("refuses a non-loopback Host header", async () => {
    ({ emu, merchant } = await setup());
    const res = await http(`${emu.url}/__emulator/state`, { headers: { host: "evil.example.com" } });
    expect(res.status).toBe(403);
  });
});
