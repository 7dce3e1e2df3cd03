import { afterEach, describe, expect, it } from "vitest";
import { setup, type HttpResult, type Merchant } from "./support";
import type { ChaosKind, Emulator, EmulatorWebhook } from "../../provider/emulator";

let emu: Emulator;
let merchant: Merchant;
let hook: EmulatorWebhook;
afterEach(() => emu?.close());

async function rotateUnder(kind: ChaosKind): Promise<HttpResult | "dropped"> {
  ({ emu, merchant } = await setup());
  hook = emu.createWebhook();
  await merchant.login();
  emu.faults.random({ rate: 1, seed: 3, kinds: [kind], slowMs: 10 });
  return merchant.call("POST", `/v1/webhooks/${hook.id}/secret/rotate`).catch(() => "dropped" as const);
}

/** Each chaos kind alone, at rate 1: what a client sees, and whether the rotation committed. */
describe("chaos kinds one by one", () => {
  for (const status of [500, 502, 503, 504]) {
    it(`status-${status}: the 5xx envelope, no side effect`, async () => {
      const res = (await rotateUnder(`status-${status}` as ChaosKind)) as HttpResult;
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: { message: "internal server error", code: "internal_error" } });
      expect(res.headers["retry-after"]).toBe(status === 503 ? "1" : undefined);
      expect(emu.state.rotations(hook.id)).toBe(0);
      expect(emu.faults.injected).toEqual({ [`status-${status}`]: 1 });
    });
  }

  it("rate-limit-429: rate_limited with Retry-After: 1, no side effect", async () => {
    const res = (await rotateUnder("rate-limit-429")) as HttpResult;
    expect([res.status, res.body.error.code, res.headers["retry-after"]]).toEqual([429, "rate_limited", "1"]);
    expect(res.body.error.message).toBe("Rate limit exceeded. Retry after 1 seconds.");
    expect(emu.state.rotations(hook.id)).toBe(0);
  });

  it("drop-after-commit: no response, but the rotation committed", async () => {
    expect(await rotateUnder("drop-after-commit")).toBe("dropped");
    expect(emu.state.rotations(hook.id)).toBe(1);
    expect(emu.faults.injected).toEqual({ "drop-after-commit": 1 });
  });

  it("slow: answers late and still commits", async () => {
    const res = (await rotateUnder("slow")) as HttpResult;
    expect(res.status).toBe(200);
    expect(res.body.secret).toBe(emu.state.currentSecret(hook.id));
    expect(emu.faults.injected).toEqual({ slow: 1 });
  });

  it("nonce: a use_dpop_nonce challenge with a DPoP-Nonce, no side effect", async () => {
    const res = (await rotateUnder("nonce")) as HttpResult;
    expect([res.status, res.body.error.code]).toEqual([401, "use_dpop_nonce"]);
    expect(res.headers["dpop-nonce"]).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(res.headers["www-authenticate"]).toMatch(/error="use_dpop_nonce"/);
    expect(emu.state.rotations(hook.id)).toBe(0);
  });

  it("token-expiry: invalid_token saying expired, the token stays expired, no side effect", async () => {
    const res = (await rotateUnder("token-expiry")) as HttpResult;
    expect([res.status, res.body.error.code]).toEqual([401, "invalid_token"]);
    expect(res.body.error.message).toMatch(/expired/);
    emu.faults.clear();
    expect((await merchant.call("GET", `/v1/webhooks/${hook.id}`)).body.error.code).toBe("invalid_token");
    expect(emu.state.rotations(hook.id)).toBe(0);
  });

  it("skew: invalid_dpop_proof about iat, with the skewed Date, no side effect", async () => {
    const res = (await rotateUnder("skew")) as HttpResult;
    expect([res.status, res.body.error.code]).toEqual([401, "invalid_dpop_proof"]);
    expect(res.body.error.message).toMatch(/iat is out of range/);
    expect(Math.abs(Date.parse(res.headers.date!) - Date.now())).toBeGreaterThan(250_000);
    expect(emu.state.rotations(hook.id)).toBe(0);
  });

  it("applies to the token endpoint too, but never token-expiry", async () => {
    ({ emu, merchant } = await setup());
    emu.faults.random({ rate: 1, seed: 9, kinds: ["token-expiry"] });
    expect((await merchant.tokenRequest()).status).toBe(200);
    emu.faults.random({ rate: 1, seed: 9, kinds: ["status-502"] });
    const res = await merchant.tokenRequest();
    expect(res.status).toBe(502);
    expect(emu.state.tokensMinted).toBe(1);
  });

  it("rate 0 injects nothing; unknown kinds are refused", async () => {
    ({ emu, merchant } = await setup());
    hook = emu.createWebhook();
    emu.faults.random({ rate: 0, seed: 1 });
    for (let i = 0; i < 5; i++) expect((await merchant.call("GET", `/v1/webhooks/${hook.id}`)).status).toBe(200);
    expect(emu.faults.injected).toEqual({});
    expect(() => emu.faults.random({ rate: 1, kinds: ["meteor" as ChaosKind] })).toThrow(RangeError);
  });
});
