import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { setup, http, type Merchant } from "./support";
import { buildProof, freshKey } from "./proof";
import type { Emulator } from "../../provider/emulator";

let emu: Emulator;
let merchant: Merchant;
beforeAll(async () => ({ emu, merchant } = await setup()));
afterAll(() => emu.close());

const expectProofRejected = (res: { status: number; body: any }, pattern?: RegExp) => {
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe("invalid_dpop_proof");
  if (pattern) expect(res.body.error.message).toMatch(pattern);
};

describe("POST /oauth/token", () => {
  it("issues an opaque DPoP token for a valid proof", async () => {
    const res = await merchant.tokenRequest();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), token_type: "DPoP", expires_in: 3600 });
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers["x-request-id"]).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it("accepts Ed25519 clients (EdDSA proofs)", async () => {
    const other = new (merchant.constructor as typeof Merchant)(emu, await emu.addClient({ keyAlg: "Ed25519" }));
    expect(other.creds.alg).toBe("EdDSA");
    expect(other.creds.dpopPrivateJwk).toMatchObject({ kty: "OKP", crv: "Ed25519" });
    expect((await other.tokenRequest()).status).toBe(200);
  });

  // jose and RFC 9864 also spell the Ed25519 algorithm "Ed25519"; both spellings must work end to end.
  for (const alg of ["EdDSA", "Ed25519"]) {
    it(`serves an Ed25519 demo merchant whose proofs say alg ${alg}, on the token endpoint and /v1`, async () => {
      const local = await setup({ keyAlg: "Ed25519" });
      try {
        const hook = local.emu.createWebhook();
        const token = await local.merchant.tokenRequest({ alg });
        expect([token.status, token.body.token_type]).toEqual([200, "DPoP"]);
        const res = await local.merchant.call("GET", `/v1/webhooks/${hook.id}/secret`, { token: token.body.access_token, proof: { alg } });
        expect(res.status).toBe(200);
        expect(res.body.secret).toBe(local.emu.state.currentSecret(hook.id));
      } finally {
        await local.emu.close();
      }
    });
  }

  it("refuses a proof whose alg does not fit its key (ES256 header on an Ed25519 key)", async () => {
    const other = new (merchant.constructor as typeof Merchant)(emu, await emu.addClient({ keyAlg: "Ed25519" }));
    const jwk = other.key.publicJwk as Record<string, unknown>;
    const proof = await new SignJWT({ htm: "POST", htu: `${emu.url}/oauth/token`, iat: Math.floor(Date.now() / 1000), jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: "EdDSA", typ: "dpop+jwt", jwk })
      .sign(other.key.privateKey)
      .then((jws) => {
        // Swap the header for one claiming ES256 while keeping the Ed25519 signature.
        const [, payload, sig] = jws.split(".");
        const header = Buffer.from(JSON.stringify({ alg: "ES256", typ: "dpop+jwt", jwk })).toString("base64url");
        return `${header}.${payload}.${sig}`;
      });
    expectProofRejected(await other.tokenRequest(proof));
  });

  it("refuses a wrong client secret with 401 invalid_client", async () => {
    const res = await merchant.tokenRequest({}, { headers: { authorization: `Basic ${Buffer.from(`${merchant.creds.clientId}:nope`).toString("base64")}` } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("invalid_client");
    expect(res.headers["www-authenticate"]).toMatch(/^Basic/);
  });

  it("refuses client credentials in the form body, saying only HTTP Basic is accepted", async () => {
    const { clientId, clientSecret } = merchant.creds;
    const body = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }).toString();
    const res = await merchant.tokenRequest({}, { headers: { authorization: "" }, body });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("invalid_client");
    expect(res.body.error.message).toBe("client credentials in the request body are not accepted; only HTTP Basic authentication is (Authorization: Basic base64(client_id:client_secret))");
    expect(res.body.error.message).not.toContain(clientSecret);
    expect(res.headers["www-authenticate"]).toMatch(/^Basic/);
    // Wrong Basic credentials still read as such.
    const wrong = await merchant.tokenRequest({}, { headers: { authorization: `Basic ${Buffer.from(`${clientId}:nope`).toString("base64")}` }, body });
    expect(wrong.body.error.message).toBe("client authentication failed");
  });

  it("refuses other grant types and a missing grant_type", async () => {
    const wrong = await merchant.tokenRequest({}, { body: "grant_type=password" });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, "unsupported_grant_type"]);
    const missing = await merchant.tokenRequest({}, { body: "" });
    expect([missing.status, missing.body.error.code]).toEqual([400, "invalid_request"]);
  });

  it("requires a form-encoded body", async () => {
    const res = await merchant.tokenRequest({}, { headers: { "content-type": "application/json" } });
    expect([res.status, res.body.error.code]).toEqual([400, "invalid_request"]);
  });

  it("rejects a missing proof", async () => expectProofRejected(await merchant.tokenRequest(""), /missing/));
  it("rejects a wrong typ", async () => expectProofRejected(await merchant.tokenRequest({ typ: "JWT" }), /typ/));
  it("rejects a wrong htm", async () => expectProofRejected(await merchant.tokenRequest({ htm: "GET" }), /htm/));
  it("rejects a wrong htu (path)", async () => expectProofRejected(await merchant.tokenRequest({ htu: `${emu.url}/oauth/other` }), /htu/));
  it("rejects a wrong htu (port)", async () =>
    expectProofRejected(await merchant.tokenRequest({ htu: "http://127.0.0.1:1/oauth/token" }), /htu/));
  it("rejects an htu carrying a query", async () => expectProofRejected(await merchant.tokenRequest({ htu: `${emu.url}/oauth/token?x=1` }), /htu/));

  it("rejects a stale iat and says so, with a Date header", async () => {
    const res = await merchant.tokenRequest({ iat: Math.floor(Date.now() / 1000) - 120 });
    expectProofRejected(res, /iat is out of range/);
    expect(Math.abs(Date.parse(res.headers.date!) - Date.now())).toBeLessThan(5_000);
  });
  it("rejects a future iat", async () => expectProofRejected(await merchant.tokenRequest({ iat: Math.floor(Date.now() / 1000) + 120 }), /iat/));

  it("rejects a replayed jti", async () => {
    expect((await merchant.tokenRequest({ jti: "replay-me" })).status).toBe(200);
    expectProofRejected(await merchant.tokenRequest({ jti: "replay-me" }), /jti/);
  });

  it("rejects an ath claim on the token proof", async () => expectProofRejected(await merchant.tokenRequest({ token: "anything" }), /ath/));

  it("rejects a jwk carrying the private d", async () =>
    expectProofRejected(await merchant.tokenRequest({ jwk: { ...merchant.creds.dpopPrivateJwk } }), /private/));

  it("rejects a kid-only / x5c-only header without jwk", async () => {
    expectProofRejected(await merchant.tokenRequest({ jwk: null, header: { kid: "k1" } }), /jwk/);
    expectProofRejected(await merchant.tokenRequest({ jwk: null, header: { x5c: ["AAAA"] } }), /jwk/);
  });

  it("rejects a bad signature (signed by a different key than the embedded one)", async () =>
    expectProofRejected(await merchant.tokenRequest({ signWith: freshKey().privateKey }), /signature/));

  it("rejects HS256 and RS256 proofs", async () => {
    const htu = `${emu.url}/oauth/token`;
    const claims = { htm: "POST", htu, iat: Math.floor(Date.now() / 1000), jti: crypto.randomUUID() };
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "dpop+jwt", jwk: { kty: "oct", k: "c2VjcmV0" } as any })
      .sign(new TextEncoder().encode("secret-secret-secret-secret-1234"));
    expectProofRejected(await merchant.tokenRequest(hs), /alg/);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const rsaJwk = createPrivateKey(privateKey.export({ format: "pem", type: "pkcs8" })).export({ format: "jwk" });
    const rs = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "dpop+jwt", jwk: { kty: "RSA", n: rsaJwk.n, e: rsaJwk.e } })
      .sign(privateKey);
    expectProofRejected(await merchant.tokenRequest(rs), /alg/);
  });

  it("rejects a key that is not registered for the client", async () =>
    expectProofRejected(await merchant.tokenRequest({ key: freshKey() }), /not registered for this client/));

  it("rejects two DPoP proofs", async () => {
    const htu = `${emu.url}/oauth/token`;
    const a = await buildProof({ key: merchant.key, htm: "POST", htu });
    expectProofRejected(await merchant.tokenRequest(`${a}, ${a}`));
  });

  it("honours tokenTtlSeconds", async () => {
    const short = await setup({ tokenTtlSeconds: 60 });
    try {
      expect((await short.merchant.tokenRequest()).body.expires_in).toBe(60);
    } finally {
      await short.emu.close();
    }
  });

  it("answers GET with 405 and an Allow header", async () => {
    const res = await http(`${emu.url}/oauth/token`);
    expect([res.status, res.body.error.code, res.headers.allow]).toEqual([405, "method_not_allowed", "POST"]);
  });
});
