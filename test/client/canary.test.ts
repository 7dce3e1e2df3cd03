/**
 * Canary test: distinctive fake credentials and secrets, a server that echoes
 * everything it receives back in error bodies and headers, and every error
 * path forced. No canary may surface in any message, cause, stack, inspect or
 * JSON rendering, diagnostics event, or stdout/stderr.
 */
import diagnostics_channel from "node:diagnostics_channel";
import { generateKeyPairSync } from "node:crypto";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { MockAgent } from "undici";
import {
  AntonApiError,
  AntonClient,
  AntonConfigError,
  credentialFingerprint,
  RATE_LIMIT_CHANNEL,
  REQUEST_CHANNEL,
  resolveClientOptions,
  RETRY_CHANNEL,
  Secret,
  TOKEN_CHANNEL,
} from "../../provider/client";
import { CanarySet, objectViews } from "../security/scanner";
import { Redactor } from "../../provider/client/redact";
import { startEmulator, type Emulator } from "../../provider/emulator";
import { captureOutput, MOCK_ORIGIN } from "./support";

const CLIENT_SECRET = "ant_ocs_sandbox_CANARYSECRET0123456789abcdef0123456789abcdef01";
const TOKEN = "tok_CANARYTOKEN_7f3a9c1e5b2d8f4a6c0e9b1d3f5a7c9e";
const WEBHOOK_SECRET = "whsec_CANARYWEBHOOK0123456789abcdef0123456789abcdef0123456789abcdef";
const PLAIN_SECRET = "CANARYPLAINSECRET_not_prefixed_0123456789";
const WH = "wbh_canary1";

const channels = [REQUEST_CHANNEL, RETRY_CHANNEL, TOKEN_CHANNEL, RATE_LIMIT_CHANNEL];

function renderings(err: unknown, client: AntonClient): string[] {
  const e = err as Error & { cause?: unknown };
  return [
    String(e.message),
    String(e.stack),
    inspect(err, { depth: 10, showHidden: true }),
    JSON.stringify(err),
    inspect(e.cause, { depth: 10, showHidden: true }),
    JSON.stringify(e.cause ?? null),
    inspect(client, { depth: 10, showHidden: true }),
    JSON.stringify(client),
    String(Object.getOwnPropertyNames(err).map((k) => inspect((err as Record<string, unknown>)[k], { depth: 10 }))),
  ];
}

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** Records every diagnostics event published while the test runs. */
function recordEvents(): unknown[] {
  const events: unknown[] = [];
  for (const name of channels) {
    const fn = (m: unknown) => events.push({ name, m });
    diagnostics_channel.subscribe(name, fn);
    cleanup.push(() => void diagnostics_channel.unsubscribe(name, fn));
  }
  return events;
}

describe("canary: echoing server (MockAgent)", () => {
  it("no canary escapes through any error path", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const d = (privateKey.export({ format: "jwk" }) as { d: string }).d;
    const agent = new MockAgent();
    agent.disableNetConnect();
    cleanup.push(() => agent.close());
    const pool = agent.get(MOCK_ORIGIN);
    const client = new AntonClient({
      apiUrl: MOCK_ORIGIN,
      clientId: "ant_oc_sandbox_canaryid",
      clientSecret: CLIENT_SECRET,
      dpopPrivateKey: pem,
      dispatcher: agent,
      retry: { maxAttempts: 2 },
      sleep: async () => {},
    });
    cleanup.push(() => client.close());
    const sent: string[] = [];
    // A server can only echo a plain (unprefixed) webhook secret after issuing it, so it joins the echo once the client has seen it.
    let plainIssued = false;
    const echo = (status: number, extra: Record<string, unknown> = {}) => (opts: { headers?: unknown; body?: unknown }) => {
      const h = opts.headers as Record<string, string>;
      sent.push(h.authorization, h.dpop);
      const everything = `auth=${h.authorization} dpop=${h.dpop} token=${TOKEN} secret=${CLIENT_SECRET} hook=${WEBHOOK_SECRET} key=${pem} d="${d}"${plainIssued ? ` plain=${PLAIN_SECRET}` : ""}`;
      return {
        statusCode: status,
        data: { error: { code: "echo_error", message: everything, details: { headers: h, body: String(opts.body ?? ""), secret: WEBHOOK_SECRET, nested: [{ access_token: TOKEN }] } }, ...extra },
        responseOptions: {
          headers: {
            "content-type": "application/json",
            "x-request-id": `req ${TOKEN}`,
            "www-authenticate": `DPoP error="invalid_token", error_description="${everything.replace(/"/g, "'").replace(/\n/g, " ")}"`,
          },
        },
      };
    };
    const errors: unknown[] = [];
    const events = recordEvents();
    const tokenOk = () =>
      pool.intercept({ path: "/oauth/token", method: "POST" }).reply(200, { access_token: TOKEN, token_type: "DPoP", expires_in: 3600 }, { headers: { "content-type": "application/json" } });

    const { output } = await captureOutput(async () => {
      const attempt = async (fn: () => Promise<unknown>) => {
        try {
          await fn();
          errors.push(new Error("expected failure"));
        } catch (err) {
          errors.push(err);
          console.log(err);
          console.error("failed:", err);
        }
      };
      // 1. token endpoint rejects and echoes Basic credentials + proof.
      pool.intercept({ path: "/oauth/token", method: "POST" }).reply(echo(401));
      await attempt(() => client.getWebhookSecret(WH));
      // 2. token endpoint returns a non-DPoP token (the token itself is a canary).
      pool.intercept({ path: "/oauth/token", method: "POST" }).reply(200, { access_token: TOKEN, token_type: "Bearer" });
      await attempt(() => client.getWebhookSecret(WH));
      // 3. resource echoes token, proof, Authorization, secrets: 400, then 401 invalid_token twice, then 500s.
      tokenOk();
      // A successful rotation first: the returned secret must not leak into later errors.
      pool.intercept({ path: `/v1/webhooks/${WH}/secret/rotate`, method: "POST" }).reply(200, { secret: PLAIN_SECRET });
      const r = await client.rotateWebhookSecret(WH);
      expect(r.secret).toBe(PLAIN_SECRET);
      plainIssued = true;

      pool.intercept({ path: `/v1/webhooks/${WH}/secret`, method: "GET" }).reply(echo(400));
      await attempt(() => client.getWebhookSecret(WH));
      tokenOk();
      pool.intercept({ path: `/v1/webhooks/${WH}/secret/rotate`, method: "POST" }).reply(echo(401)).times(2);
      await attempt(() => client.rotateWebhookSecret(WH));
      pool.intercept({ path: `/v1/webhooks/${WH}`, method: "GET" }).reply(echo(500)).times(2);
      await attempt(() => client.getWebhook(WH));
      pool.intercept({ path: `/v1/webhooks/${WH}/secret/rotate`, method: "POST" }).reply(echo(429)).times(2);
      await attempt(() => client.rotateWebhookSecret(WH));
      // 4. a 200 without a usable secret, echoing everything.
      pool.intercept({ path: `/v1/webhooks/${WH}/secret`, method: "GET" }).reply(echo(200, { secret: 7, signing_secret: null }));
      await attempt(() => client.getWebhookSecret(WH));
      // 5. transport failure whose raw message contains secrets.
      pool.intercept({ path: `/v1/webhooks/${WH}/secret`, method: "GET" }).replyWithError(new Error(`socket hang up ${TOKEN} ${CLIENT_SECRET} ${WEBHOOK_SECRET}`)).times(2);
      await attempt(() => client.getWebhookSecret(WH));
      // 6. local validation with a secret pasted where an id belongs, or as an idempotency key.
      await attempt(() => client.rotateWebhookSecret(WEBHOOK_SECRET));
      await attempt(() => client.rotateWebhookSecret(`wbh_${PLAIN_SECRET}!`));
      await attempt(() => client.rotateWebhookSecret(WH, { idempotencyKey: `${CLIENT_SECRET} ` }));
      pool.intercept({ path: `/v1/webhooks/${WH}/secret`, method: "GET" }).reply(echo(403));
      await attempt(() => client.getWebhookSecret(WH));
    });

    const proofs = sent.filter((s) => s && s.startsWith("eyJ"));
    const basic = sent.find((s) => s?.startsWith("Basic "))!.slice(6);
    expect(proofs.length).toBeGreaterThan(5);
    const canaries = [CLIENT_SECRET, TOKEN, WEBHOOK_SECRET, PLAIN_SECRET, basic, d, pem.split("\n")[1]!, "CANARY", ...proofs];

    expect(errors).toHaveLength(12);
    for (const err of errors) {
      expect(err).toBeInstanceOf(AntonApiError);
      for (const text of renderings(err, client)) for (const c of canaries) expect(text).not.toContain(c);
    }
    const eventText = JSON.stringify(events);
    for (const c of canaries) {
      expect(output).not.toContain(c);
      expect(eventText).not.toContain(c);
    }
    // The echoed server message is still useful after redaction.
    expect((errors[2] as AntonApiError).message).toMatch(/echo_error: auth=DPoP \[REDACTED\]/);
    expect((errors[2] as AntonApiError).details).toMatchObject({ secret: "[REDACTED]" });
    console.log(`canary: ${errors.length} error paths, ${events.length} diagnostics events, ${canaries.length} canaries checked, 0 leaks`);
  });

  it("config errors never contain key material", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const body = rsa.split("\n")[2]!;
    for (const key of [rsa, rsa.slice(0, 200), JSON.stringify({ kty: "EC", crv: "P-256", x: "CANARYx", y: "CANARYy" })]) {
      try {
        new AntonClient({ apiUrl: "https://api.antonpayments.dev", clientId: "id", clientSecret: CLIENT_SECRET, dpopPrivateKey: key });
        throw new Error("expected failure");
      } catch (err) {
        expect(err).toBeInstanceOf(AntonConfigError);
        for (const t of [inspect(err), JSON.stringify(err), String((err as Error).stack)]) {
          for (const c of [body, "CANARY", CLIENT_SECRET]) expect(t).not.toContain(c);
        }
      }
    }
  });

  it("redactor covers the documented patterns", () => {
    const r = new Redactor();
    r.pin(CLIENT_SECRET);
    const input = [
      `Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345`,
      `Authorization: Basic ${Buffer.from("id:" + CLIENT_SECRET).toString("base64")}`,
      `DPoP eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0.c2lnbmF0dXJl`,
      `-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----`,
      `{"kty":"OKP","d":"secretscalar"}`,
      WEBHOOK_SECRET,
      encodeURIComponent(CLIENT_SECRET),
    ].join(" | ");
    const out = r.redact(input);
    for (const c of ["abcdefghijklmnop", "eyJ", "MHcCAQEEIB", "secretscalar", "CANARY"]) expect(out).not.toContain(c);
    expect(r.redact("the DPoP proof was rejected")).toBe("the DPoP proof was rejected");
  });
});

describe("canary: real emulator", () => {
  let emu: Emulator;
  it("every error path against the emulator is free of credentials and secrets", async () => {
    emu = await startEmulator({ keyFile: false });
    cleanup.push(() => emu.close());
    const events = recordEvents();
    const hook = emu.createWebhook();
    const mk = (secret: string, extra: Record<string, unknown> = {}) => {
      const c = new AntonClient({ apiUrl: emu.url, clientId: emu.credentials.clientId, clientSecret: secret, dpopPrivateKey: emu.credentials.dpopPrivateKeyPem, retry: { maxAttempts: 2 }, sleep: async () => {}, timeouts: { headersMs: 200 }, ...extra });
      cleanup.push(() => c.close());
      return c;
    };
    const good = mk(emu.credentials.clientSecret);
    const bad = mk(CLIENT_SECRET);
    const secrets: string[] = [];
    const errors: Array<[unknown, AntonClient]> = [];
    const { output } = await captureOutput(async () => {
      const attempt = async (c: AntonClient, fn: () => Promise<unknown>) => {
        try {
          await fn();
          errors.push([new Error("expected failure"), c]);
        } catch (err) {
          errors.push([err, c]);
          console.log(err);
        }
      };
      await attempt(bad, () => bad.rotateWebhookSecret(hook.id));
      secrets.push((await good.rotateWebhookSecret(hook.id)).secret);
      await attempt(good, () => good.getWebhook("wbh_missing"));
      emu.faults.failNext(2, 500, { route: "POST /v1/webhooks/:id/secret/rotate" });
      await attempt(good, () => good.rotateWebhookSecret(hook.id));
      emu.faults.dropAfterCommit(2, { route: "POST /v1/webhooks/:id/secret/rotate" });
      await attempt(good, () => good.rotateWebhookSecret(hook.id));
      emu.faults.failNext(2, 429, { route: "GET /v1/webhooks/:id/secret", retryAfterSeconds: 1 });
      await attempt(good, () => good.getWebhookSecret(hook.id));
      emu.faults.failNext(2, 401, { route: "GET /v1/webhooks/:id/secret" });
      await attempt(good, () => good.getWebhookSecret(hook.id));
      emu.faults.delay(4000, 2, { route: "GET /v1/webhooks/:id/secret" });
      await attempt(good, () => good.getWebhookSecret(hook.id));
      emu.faults.clear();
    });
    secrets.push(emu.state.currentSecret(hook.id)!, emu.state.previousSecret(hook.id) ?? "whsec_");
    const canaries = [CLIENT_SECRET, emu.credentials.clientSecret, emu.credentials.dpopPrivateKeyPem.split("\n")[1]!, String(emu.credentials.dpopPrivateJwk.d), ...secrets, "whsec_", "eyJ"];
    expect(errors.length).toBe(7);
    for (const [err, c] of errors) {
      expect(err).toBeInstanceOf(AntonApiError);
      for (const text of renderings(err, c)) for (const k of canaries) expect(text).not.toContain(k);
    }
    for (const k of canaries) {
      expect(output).not.toContain(k);
      expect(JSON.stringify(events)).not.toContain(k);
    }
    console.log(`canary (emulator): ${errors.length} error paths, codes: ${errors.map(([e]) => (e as AntonApiError).code).join(", ")}`);
  });
});

describe("canary: objects the package hands out", () => {
  it("options, clients, stats and errors show no credential through console.log, inspect, JSON, spread or entries; the credentials still work", async () => {
    const emu = await startEmulator({ keyFile: false });
    cleanup.push(() => emu.close());
    const { clientId, clientSecret, dpopPrivateKeyPem, dpopPrivateJwk } = emu.credentials;
    const canaries = new CanarySet();
    canaries.add("client secret", clientSecret);
    canaries.add("private key PEM", dpopPrivateKeyPem);
    canaries.add("private key d", String(dpopPrivateJwk.d));
    const env = { ANTON_API_URL: emu.url, ANTON_CLIENT_ID: clientId, ANTON_CLIENT_SECRET: clientSecret, ANTON_DPOP_PRIVATE_KEY: dpopPrivateKeyPem };
    const config: Record<string, string> = { "anton:apiUrl": emu.url, "anton:clientId": clientId, "anton:clientSecret": clientSecret, "anton:dpopPrivateKey": JSON.stringify(dpopPrivateJwk) };

    const fromEnv = resolveClientOptions({ env });
    const fromConfig = resolveClientOptions({ config: (k) => config[k] });
    // The documented way to add overrides: the spread copy must still carry usable credentials.
    const client = new AntonClient({ ...fromEnv, sleep: async () => {} });
    cleanup.push(() => client.close());
    const hook = emu.createWebhook();
    const rotated = await client.rotateWebhookSecret(hook.id);
    expect(rotated.secret).toBe(emu.state.currentSecret(hook.id));
    const viaConfig = new AntonClient({ ...fromConfig });
    cleanup.push(() => viaConfig.close());
    expect((await viaConfig.getWebhookSecret(hook.id)).secret).toBe(rotated.secret);
    // Wrapped and plain credentials are the same credential set.
    expect(credentialFingerprint(fromEnv)).toBe(credentialFingerprint({ apiUrl: emu.url, clientId, clientSecret, dpopPrivateKey: dpopPrivateKeyPem }));
    canaries.add("webhook secret", rotated.secret);

    const errors: unknown[] = [];
    const fail = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        errors.push(err);
      }
    };
    fail(() => resolveClientOptions({ env: { ...env, ANTON_CLIENT_SECRET: ` ${clientSecret}` } }));
    fail(() => new AntonClient({ ...fromEnv, maxConcurrency: 0 }));
    await client.getWebhook(clientSecret).catch((err: unknown) => errors.push(err));
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(["invalid_config", "invalid_config", "invalid_webhook_id"]);

    const handedOut: Record<string, unknown> = {
      "resolveClientOptions({ env })": fromEnv,
      "resolveClientOptions({ config })": fromConfig,
      "options spread with overrides": { ...fromEnv, maxConcurrency: 2 },
      "AntonClient": client,
      "AntonClient.fromEnv": AntonClient.fromEnv(env),
      "client.stats": client.stats,
      "a Secret": new Secret(clientSecret),
      "rotate result (minus its secret)": { ...rotated, secret: undefined },
      ...Object.fromEntries(errors.map((e, i) => [`error ${i}`, e])),
    };
    const surfaces = Object.entries(handedOut).flatMap(([where, value]) => objectViews(where, value));
    const { output } = await captureOutput(async () => {
      for (const value of Object.values(handedOut)) console.log(value, { ...(value as object) }, Object.entries(value as object));
    });
    surfaces.push({ where: "real console.log", text: output });
    expect(surfaces.length).toBeGreaterThan(80);
    expect(canaries.scan(surfaces)).toEqual([]);
    // Control: the same views of a plain options object do show the secret, so the scan can see one.
    const plain = objectViews("plain options", { clientSecret, dpopPrivateKey: dpopPrivateKeyPem });
    expect(new Set(canaries.scan(plain).map((h) => h.where.replace(/ \(.*/, "")))).toEqual(new Set(["plain options"]));
    expect(canaries.scan(plain).length).toBeGreaterThanOrEqual(8);
  });
});
