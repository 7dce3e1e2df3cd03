import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup, http, Merchant } from "./support";
import { createHash } from "node:crypto";
import { ath, freshKey } from "./proof";
import type { Emulator, EmulatorWebhook } from "../../provider/emulator";

let emu: Emulator;
let merchant: Merchant;
let hook: EmulatorWebhook;
beforeAll(async () => {
  ({ emu, merchant } = await setup());
  hook = emu.createWebhook();
  await merchant.login();
});
afterAll(() => emu.close());

const secretPath = () => `/v1/webhooks/${hook.id}/secret`;

function expectProofRejected(res: { status: number; body: any; headers: Record<string, string> }, pattern?: RegExp) {
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe("invalid_dpop_proof");
  expect(res.headers["www-authenticate"]).toMatch(/^DPoP .*error="invalid_dpop_proof"/);
  if (pattern) expect(res.body.error.message).toMatch(pattern);
}

describe("/v1 authentication", () => {
  it("serves a correctly authenticated request", async () => {
    const res = await merchant.call("GET", secretPath());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ secret: emu.state.currentSecret(hook.id) });
  });

  it("refuses the Bearer scheme (the docs' curl samples are wrong)", async () => {
    const res = await merchant.call("GET", secretPath(), { headers: { authorization: `Bearer ${merchant.token}` } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("invalid_token");
    expect(res.headers["www-authenticate"]).toMatch(/^DPoP .*error="invalid_token"/);
  });

  it("refuses a missing Authorization header and an unknown token", async () => {
    const none = await http(`${emu.url}${secretPath()}`);
    expect([none.status, none.body.error.code]).toEqual([401, "invalid_token"]);
    const unknown = await merchant.call("GET", secretPath(), { token: "not-a-real-token" });
    expect([unknown.status, unknown.body.error.code]).toEqual([401, "invalid_token"]);
  });

  it("rejects a missing proof", async () => expectProofRejected(await merchant.call("GET", secretPath(), { proof: null }), /missing/));
  it("rejects a wrong htm", async () => expectProofRejected(await merchant.call("GET", secretPath(), { proof: { htm: "POST" } }), /htm/));
  it("rejects a wrong htu", async () =>
    expectProofRejected(await merchant.call("GET", secretPath(), { proof: { htu: `${emu.url}/v1/webhooks` } }), /htu/));
  it("rejects a stale iat", async () =>
    expectProofRejected(await merchant.call("GET", secretPath(), { proof: { iat: Math.floor(Date.now() / 1000) - 61 - 5 } }), /iat/));
  it("rejects a replayed jti", async () => {
    expect((await merchant.call("GET", secretPath(), { proof: { jti: "v1-replay" } })).status).toBe(200);
    expectProofRejected(await merchant.call("GET", secretPath(), { proof: { jti: "v1-replay" } }), /jti/);
  });
  it("rejects a missing ath", async () =>
    expectProofRejected(await merchant.call("GET", secretPath(), { proof: { claims: { ath: undefined } } }), /ath is missing/));
  it("rejects a wrong ath", async () =>
    expectProofRejected(await merchant.call("GET", secretPath(), { proof: { token: "another-token" } }), /ath does not match/));
  it("rejects an ath in standard base64 with padding (only base64url is correct)", async () => {
    const standard = createHash("sha256").update(merchant.token!).digest("base64");
    expect(standard).toMatch(/[+/=]/); // otherwise the two encodings coincide and the test proves nothing
    expectProofRejected(await merchant.call("GET", secretPath(), { proof: { claims: { ath: standard } } }), /ath does not match/);
  });
  it("rejects an ath with trailing characters", async () =>
    expectProofRejected(await merchant.call("GET", secretPath(), { proof: { claims: { ath: `${ath(merchant.token!)}AA` } } }), /ath does not match/));
  it("rejects a future iat", async () =>
    expectProofRejected(await merchant.call("GET", secretPath(), { proof: { iat: Math.floor(Date.now() / 1000) + 66 } }), /iat is out of range/));
  it("rejects a proof from a key other than the token's binding", async () =>
    expectProofRejected(await merchant.call("GET", secretPath(), { proof: { key: freshKey() } }), /binding/));
  it("rejects a wrong typ", async () => expectProofRejected(await merchant.call("GET", secretPath(), { proof: { typ: "jwt" } }), /typ/));

  it("refuses an expired token and says it expired", async () => {
    const local = await setup({ keyFile: false });
    try {
      const hookB = local.emu.createWebhook();
      await local.merchant.login();
      local.emu.faults.expireTokens();
      const res = await local.merchant.call("GET", `/v1/webhooks/${hookB.id}`);
      expect([res.status, res.body.error.code]).toEqual([401, "invalid_token"]);
      expect(res.headers["www-authenticate"]).toMatch(/error_description="[^"]*expired/);
      expect(res.body.error.message).toMatch(/expired/);
    } finally {
      await local.emu.close();
    }
  });

  it("expires tokens by the injected clock", async () => {
    let now = Date.now();
    const local = await setup({ now: () => now, tokenTtlSeconds: 60 });
    try {
      const hookB = local.emu.createWebhook();
      await local.merchant.login();
      now += 61_000;
      const res = await local.merchant.call("GET", `/v1/webhooks/${hookB.id}`, { proof: { iat: Math.floor(now / 1000) } });
      expect(res.body.error.code).toBe("invalid_token");
    } finally {
      await local.emu.close();
    }
  });

  it("applies clockOffset to the iat check and the Date header", async () => {
    emu.faults.clockOffset(600);
    try {
      const res = await merchant.call("GET", secretPath());
      expectProofRejected(res, /iat is out of range/);
      const serverNow = Date.parse(res.headers.date!);
      expect(serverNow - Date.now()).toBeGreaterThan(590_000);
      const ok = await merchant.call("GET", secretPath(), { proof: { iat: Math.floor(serverNow / 1000) } });
      expect(ok.status).toBe(200);
    } finally {
      emu.faults.clear();
    }
  });
});
