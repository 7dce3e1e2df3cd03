/**
 * The client against the real emulator over HTTP on 127.0.0.1. Sleeps are
 * faked (recorded) so retry delays are asserted without waiting.
 */
import { execFileSync } from "node:child_process";
import diagnostics_channel from "node:diagnostics_channel";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AntonClient, RATE_LIMIT_CHANNEL, REQUEST_CHANNEL, RETRY_CHANNEL, TOKEN_CHANNEL, type AntonClientOptions } from "../../provider/client";
import { startEmulator, type Emulator } from "../../provider/emulator";
import { rejection } from "./support";

const ROTATE = "POST /v1/webhooks/:id/secret/rotate";
const SECRET = "GET /v1/webhooks/:id/secret";

let emulators: Emulator[] = [];
let clients: AntonClient[] = [];
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(emulators.map((e) => e.close()));
  clients = [];
  emulators = [];
});

async function setup(emuOpts: Parameters<typeof startEmulator>[0] = {}, clientOpts: Partial<AntonClientOptions> = {}) {
  const emu = await startEmulator({ keyFile: false, ...emuOpts });
  emulators.push(emu);
  const sleeps: number[] = [];
  const client = new AntonClient({
    apiUrl: emu.url,
    clientId: emu.credentials.clientId,
    clientSecret: emu.credentials.clientSecret,
    dpopPrivateKey: emu.credentials.dpopPrivateKeyPem,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...clientOpts,
  });
  clients.push(client);
  return { emu, client, sleeps };
}

function collect(name: string): { events: Array<Record<string, unknown>>; stop(): void } {
  const events: Array<Record<string, unknown>> = [];
  const fn = (m: unknown) => events.push(m as Record<string, unknown>);
  diagnostics_channel.subscribe(name, fn);
  return { events, stop: () => diagnostics_channel.unsubscribe(name, fn) };
}

describe("happy paths", () => {
  const variants: Array<[string, "ES256" | "Ed25519", Partial<AntonClientOptions>, string]> = [
    ["ES256 PEM", "ES256", {}, "ES256"],
    ["Ed25519 PEM (EdDSA)", "Ed25519", {}, "EdDSA"],
    ["Ed25519 with dpopAlg Ed25519", "Ed25519", { dpopAlg: "Ed25519" }, "Ed25519"],
  ];
  for (const [name, keyAlg, extra, alg] of variants) {
    it(`rotates, reads and lists with ${name}`, async () => {
      const { emu, client } = await setup({ keyAlg }, extra);
      expect(client.toJSON().alg).toBe(alg);
      const hook = emu.createWebhook({ url: "https://example.test/hook", events: ["payout.created"] });
      const before = emu.state.currentSecret(hook.id);
      const r = await client.rotateWebhookSecret(hook.id);
      expect(r.secret).toMatch(/^whsec_/);
      expect(r.secret).not.toBe(before);
      expect(r.secret).toBe(emu.state.currentSecret(hook.id));
      expect(r).toMatchObject({ replayed: false, attempts: 1 });
      expect(r.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.requestId).toBeTruthy();
      expect(emu.state.rotations(hook.id)).toBe(1);
      expect((await client.getWebhookSecret(hook.id)).secret).toBe(r.secret);
      const got = await client.getWebhook(hook.id);
      expect(got).toMatchObject({ id: hook.id, url: "https://example.test/hook", events: ["payout.created"] });
      expect(JSON.stringify(got)).not.toContain("whsec_");
      expect((await client.listWebhooks()).map((w) => w.id)).toEqual([hook.id]);
      expect(emu.state.tokensMinted).toBe(1);
    });
  }

  it("accepts the key as a private JWK object and as JWK JSON", async () => {
    const { emu } = await setup();
    for (const key of [emu.credentials.dpopPrivateJwk, JSON.stringify(emu.credentials.dpopPrivateJwk)]) {
      const c = new AntonClient({ apiUrl: emu.url, clientId: emu.credentials.clientId, clientSecret: emu.credentials.clientSecret, dpopPrivateKey: key });
      clients.push(c);
      const hook = emu.createWebhook();
      expect((await c.rotateWebhookSecret(hook.id)).secret).toBe(emu.state.currentSecret(hook.id));
    }
  });

  it("a caller-supplied idempotency key replays instead of rotating twice", async () => {
    const { emu, client } = await setup();
    const hook = emu.createWebhook();
    const a = await client.rotateWebhookSecret(hook.id, { idempotencyKey: "deploy-42-rotate" });
    const b = await client.rotateWebhookSecret(hook.id, { idempotencyKey: "deploy-42-rotate" });
    expect(b.secret).toBe(a.secret);
    expect(b.replayed).toBe(true);
    expect(emu.state.rotations(hook.id)).toBe(1);
  });
});

describe("token reuse", () => {
  it("100 sequential rotations mint 1 token", async () => {
    const { emu, client } = await setup();
    const hook = emu.createWebhook();
    for (let i = 0; i < 100; i++) await client.rotateWebhookSecret(hook.id);
    console.log("tokens minted for 100 sequential rotations:", emu.state.tokensMinted);
    expect(emu.state.tokensMinted).toBe(1);
    expect(emu.state.rotations(hook.id)).toBe(100);
    expect(client.stats.tokensMinted).toBe(1);
  });

  it("50 concurrent rotations mint 1 token (single flight)", async () => {
    const { emu, client } = await setup();
    const hooks = Array.from({ length: 50 }, () => emu.createWebhook());
    const results = await Promise.all(hooks.map((h) => client.rotateWebhookSecret(h.id)));
    console.log("tokens minted for 50 concurrent rotations:", emu.state.tokensMinted);
    expect(emu.state.tokensMinted).toBe(1);
    expect(emu.state.requests.byRoute["POST /oauth/token"]).toBe(1);
    results.forEach((r, i) => expect(r.secret).toBe(emu.state.currentSecret(hooks[i]!.id)));
  });

  it("re-mints before expiry (margin) and after the server expires tokens (401 invalid_token)", async () => {
    let now = Date.now();
    const { emu, client } = await setup({ tokenTtlSeconds: 100, now: () => now }, { now: () => now });
    const hook = emu.createWebhook();
    await client.getWebhookSecret(hook.id);
    now += 85_000; // still outside the margin (min(60 s, 10% of 100 s) = 10 s): reuse
    await client.getWebhookSecret(hook.id);
    expect(emu.state.tokensMinted).toBe(1);
    now += 6_000; // 91 s: inside the margin, refresh proactively before the server would reject it
    await client.getWebhookSecret(hook.id);
    expect(emu.state.tokensMinted).toBe(2);
    emu.faults.expireTokens();
    const retries = collect(RETRY_CHANNEL);
    const r = await client.rotateWebhookSecret(hook.id);
    retries.stop();
    expect(r.secret).toBe(emu.state.currentSecret(hook.id));
    expect(emu.state.tokensMinted).toBe(3);
    expect(emu.state.rejections.invalid_token).toBe(1);
    expect(retries.events).toEqual([expect.objectContaining({ reason: "token", attempt: 1, delayMs: 0 })]);
    expect(client.stats.unauthorized401).toBe(1);
    console.log("tokens minted across proactive refresh + server-side expiry:", emu.state.tokensMinted);
  });
  it("tokens expired mid-run: requests queued for a slot take the re-minted token, not the dropped one", async () => {
    // 400 rotations at 16 in flight read the cached token when they start, then wait for a slot. Once the
    // server expires tokens, only requests already on the wire (at most 16) can still carry the old one.
    const { emu, client } = await setup({ rateLimit: false }, { maxConcurrency: 16 });
    const hooks = Array.from({ length: 400 }, () => emu.createWebhook());
    await client.getWebhookSecret(hooks[0]!.id); // token minted
    let done = 0;
    const settled = Promise.allSettled(
      hooks.map((h) =>
        client.rotateWebhookSecret(h.id).finally(() => {
          if (++done === 50) emu.faults.expireTokens();
        }),
      ),
    );
    const results = await settled;
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    for (const h of hooks) expect(emu.state.rotations(h.id)).toBe(1);
    expect(emu.state.tokensMinted).toBe(2);
    console.log(`tokens expired after 50 of 400: ${emu.state.rejections.invalid_token} requests refused with invalid_token`);
    expect(emu.state.rejections.invalid_token).toBeGreaterThan(0);
    expect(emu.state.rejections.invalid_token).toBeLessThanOrEqual(16);
  });
});

describe("DPoP nonces and clock skew", () => {
  it("answers nonce challenges on the token endpoint and on /v1, once each, then reuses the nonce", async () => {
    const { emu, client } = await setup();
    emu.faults.requireNonce(true);
    const hook = emu.createWebhook();
    const r = await client.rotateWebhookSecret(hook.id);
    expect(r.secret).toBe(emu.state.currentSecret(hook.id));
    expect(emu.state.rejections.use_dpop_nonce).toBe(2);
    expect(client.stats.nonceRetries).toBe(2);
    expect(emu.state.rotations(hook.id)).toBe(1);
    await client.getWebhookSecret(hook.id);
    // The nonce learned from the last response is sent on the next request.
    expect(emu.state.rejections.use_dpop_nonce).toBe(2);
    console.log("nonce challenges answered (token + resource):", client.stats.nonceRetries);
  });

  it("signs each queued request with the nonce current when it leaves, so a rotating nonce fails nothing", async () => {
    // The emulator issues a new nonce every 100 uses and accepts only the current and the previous one, so a
    // proof signed before a long wait in the queue would carry a nonce two generations old.
    const { emu, client } = await setup({ rateLimit: false }, { maxConcurrency: 16 });
    emu.faults.requireNonce(true);
    const hooks = Array.from({ length: 400 }, () => emu.createWebhook());
    const settled = await Promise.allSettled(hooks.map((h) => client.rotateWebhookSecret(h.id)));
    const failed = settled.filter((r) => r.status === "rejected");
    console.log(`deep queue under rotating nonces: ${failed.length} failed, ${client.stats.nonceRetries} nonce retries`);
    expect(failed).toEqual([]);
    for (const h of hooks) expect(emu.state.rotations(h.id)).toBe(1);
    // The first token and the first /v1 request are challenged; a later challenge can only come from the
    // requests already on the wire when the nonce changed.
    expect(client.stats.nonceRetries).toBeLessThanOrEqual(2 + 16 * 4);
  });

  it("closing with requests queued for a slot sends none of them and reports the server unchanged", async () => {
    const { emu, client } = await setup({ rateLimit: false }, { maxConcurrency: 1 });
    const hooks = [emu.createWebhook(), emu.createWebhook(), emu.createWebhook()];
    await client.getWebhookSecret(hooks[0]!.id); // token minted, connection open
    emu.faults.delay(100);
    const settled = Promise.allSettled(hooks.map((h) => client.rotateWebhookSecret(h.id)));
    await new Promise((r) => setTimeout(r, 30));
    await client.close();
    const [first, ...queued] = await settled;
    expect(first!.status).toBe("fulfilled");
    for (const q of queued) {
      expect(q.status).toBe("rejected");
      expect((q as PromiseRejectedResult).reason).toMatchObject({ code: "client_closed", serverState: "unchanged" });
    }
    expect(hooks.map((h) => emu.state.rotations(h.id))).toEqual([1, 0, 0]);
  });

  it("closing while the rate pacer holds requests ends them at once, never sent, server unchanged", async () => {
    // 2 requests per 10 s: after the first two rotations the pacer holds the rest. Its pause never ends here (the
    // sleep never returns), so only close() can end them.
    const { emu, client } = await setup({ rateLimit: { limit: 2, windowMs: 10_000 } }, { sleep: () => new Promise<void>(() => undefined) });
    const hooks = Array.from({ length: 5 }, () => emu.createWebhook());
    const done: string[] = [];
    const settled = Promise.allSettled(hooks.map((h) => client.rotateWebhookSecret(h.id).finally(() => done.push(h.id))));
    while (done.length < 2) await new Promise((r) => setTimeout(r, 5));
    await client.close();
    const results = await Promise.race([settled, new Promise<"still held">((r) => setTimeout(() => r("still held"), 2_000))]);
    if (results === "still held") throw new Error("close() left requests held by the rate pacer");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "client_closed", serverState: "unchanged" });
    }
    expect(hooks.reduce((n, h) => n + emu.state.rotations(h.id), 0)).toBe(2);
    expect(emu.state.rejections.rate_limited ?? 0).toBe(0);
  });

  it("corrects for a server clock 300 s ahead using the Date header", async () => {
    const { emu, client } = await setup();
    emu.faults.clockOffset(300);
    const hook = emu.createWebhook();
    const retries = collect(RETRY_CHANNEL);
    const r = await client.rotateWebhookSecret(hook.id);
    retries.stop();
    expect(r.secret).toBe(emu.state.currentSecret(hook.id));
    expect(retries.events.map((e) => e.reason)).toEqual(["clock_skew"]);
    expect(emu.state.rejections.invalid_dpop_proof).toBe(1);
    await client.getWebhookSecret(hook.id);
    expect(emu.state.rejections.invalid_dpop_proof).toBe(1);
  });
});

describe("transient failures", () => {
  it("429 honours Retry-After and reports the wait", async () => {
    const { emu, client, sleeps } = await setup();
    const hook = emu.createWebhook();
    emu.faults.failNext(2, 429, { route: ROTATE, retryAfterSeconds: 3 });
    const rl = collect(RATE_LIMIT_CHANNEL);
    const r = await client.rotateWebhookSecret(hook.id);
    rl.stop();
    expect(sleeps).toEqual([3000, 3000]);
    expect(r.attempts).toBe(3);
    expect(emu.state.rotations(hook.id)).toBe(1);
    expect(rl.events.map((e) => e.waitMs)).toEqual([3000, 3000]);
    expect(client.stats).toMatchObject({ rateLimitWaits: 2, rateLimitWaitMs: 6000 });
    console.log("429 Retry-After 3 s honoured: sleeps", sleeps);
  });

  it("rides out a 503 burst with bounded backoff, and gives up after maxAttempts", async () => {
    const { emu, client, sleeps } = await setup({}, { retry: { baseDelayMs: 100, maxDelayMs: 400 } });
    const hook = emu.createWebhook();
    emu.faults.failNext(3, 502, { route: SECRET });
    const got = await client.getWebhookSecret(hook.id);
    expect(got.secret).toBe(emu.state.currentSecret(hook.id));
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, i) => expect(ms).toBeLessThanOrEqual(Math.min(400, 100 * 2 ** i)));
    emu.faults.failNext(10, 500, { route: SECRET });
    const err = await rejection(client.getWebhookSecret(hook.id));
    expect(err).toMatchObject({ status: 500, code: "internal_error", attempts: 5, retryable: true, serverState: "unchanged" });
    expect(err.hint).toMatch(/Anton-side failure; retry later and quote request id/);
    expect(err.requestId).toBeTruthy();
  });

  // undici runs headersTimeout on a coarse (~1 s) timer, so the delays here are generous.
  it("times out a slow response (headersMs) and retries a GET", async () => {
    const { emu, client } = await setup({}, { timeouts: { headersMs: 200 }, retry: { maxAttempts: 2 } });
    const hook = emu.createWebhook();
    emu.faults.delay(4000, 1, { route: SECRET });
    const retries = collect(RETRY_CHANNEL);
    const got = await client.getWebhookSecret(hook.id);
    retries.stop();
    expect(got.secret).toBe(emu.state.currentSecret(hook.id));
    expect(retries.events.map((e) => e.reason)).toEqual(["timeout"]);
    emu.faults.delay(4000, 10, { route: SECRET });
    const err = await rejection(client.getWebhookSecret(hook.id));
    expect(err).toMatchObject({ code: "timeout", attempts: 2, serverState: "unchanged" });
    expect(err.cause).toEqual({ name: "TransportError", code: "UND_ERR_HEADERS_TIMEOUT", message: "timeout (UND_ERR_HEADERS_TIMEOUT)" });
  });

  it("an ambiguous rotation failure (response lost after commit) returns the server's secret and rotates once", async () => {
    const { emu, client } = await setup();
    const hook = emu.createWebhook();
    emu.faults.dropAfterCommit(1, { route: ROTATE });
    const r = await client.rotateWebhookSecret(hook.id);
    expect(r.secret).toBe(emu.state.currentSecret(hook.id));
    expect(emu.state.rotations(hook.id)).toBe(1);
    expect(r).toMatchObject({ attempts: 2, replayed: true });
    console.log("rotations after a dropped response + retry:", emu.state.rotations(hook.id));
  });

  it("a rotation that times out after commit is replayed, not repeated", async () => {
    const { emu, client } = await setup({}, { timeouts: { headersMs: 200 } });
    const hook = emu.createWebhook();
    emu.faults.delay(4000, 1, { route: ROTATE });
    const r = await client.rotateWebhookSecret(hook.id);
    expect(r.secret).toBe(emu.state.currentSecret(hook.id));
    expect(emu.state.rotations(hook.id)).toBe(1);
  });

  it("reports serverState unknown when no attempt confirmed the outcome, unchanged when all were definite", async () => {
    const { emu, client } = await setup({}, { retry: { maxAttempts: 2 } });
    const hook = emu.createWebhook();
    emu.faults.dropAfterCommit(2, { route: ROTATE });
    let err = await rejection(client.rotateWebhookSecret(hook.id));
    expect(err).toMatchObject({ code: "network_error", serverState: "unknown", attempts: 2, retryable: true });
    expect(err.hint).toMatch(/may have been applied; retrying with the same idempotency key is safe/);
    emu.faults.failNext(2, 503, { route: ROTATE });
    err = await rejection(client.rotateWebhookSecret(hook.id));
    expect(err).toMatchObject({ status: 503, serverState: "unchanged", attempts: 2 });
    // Unknown is sticky: a later definite error does not hide an earlier ambiguous attempt.
    emu.faults.dropAfterCommit(1, { route: ROTATE });
    emu.faults.failNext(1, 503, { route: ROTATE });
    err = await rejection(client.rotateWebhookSecret(hook.id));
    expect(err.serverState).toBe("unknown");
  });

  // A keyless /v1 POST is never retried (a row of retry-policy.test.ts); rotations always carry a key, so retrying is safe.
  it("retries a rotation through 503s with one Idempotency-Key: one rotation, and the key replays it", async () => {
    const { emu, client, sleeps } = await setup();
    const hook = emu.createWebhook();
    emu.faults.failNext(2, 503, { route: ROTATE });
    const first = await client.rotateWebhookSecret(hook.id, { idempotencyKey: "rotate-once-key" });
    expect(first).toMatchObject({ attempts: 3, replayed: false });
    expect(sleeps).toHaveLength(2);
    expect(emu.state.rotations(hook.id)).toBe(1);
    const again = await client.rotateWebhookSecret(hook.id, { idempotencyKey: "rotate-once-key" });
    expect(again).toMatchObject({ secret: first.secret, replayed: true, attempts: 1 });
    expect(emu.state.rotations(hook.id)).toBe(1);
  });

  it("refuses connection to a dead port quickly with network_error and serverState unchanged", async () => {
    const { emu } = await setup();
    const url = emu.url;
    await emu.close();
    const c = new AntonClient({ apiUrl: url, clientId: "ant_oc_x_1", clientSecret: "ant_ocs_x_1234567890", dpopPrivateKey: emu.credentials.dpopPrivateKeyPem, sleep: async () => {}, retry: { maxAttempts: 2 } });
    clients.push(c);
    const err = await rejection(c.rotateWebhookSecret("wbh_abc"));
    expect(err).toMatchObject({ code: "network_error", serverState: "unchanged", status: undefined });
    expect((err.cause as { code: string }).code).toBe("ECONNREFUSED");
  });
});

describe("pagination, errors, concurrency, monitoring", () => {
  it("listWebhooks follows the cursor across 3 pages", async () => {
    const { emu, client } = await setup();
    const ids = Array.from({ length: 25 }, () => emu.createWebhook().id);
    const all = await client.listWebhooks({ limit: 10 });
    expect(all.map((w) => w.id).sort()).toEqual([...ids].sort());
    expect(emu.state.requests.byRoute["GET /v1/webhooks"]).toBe(3);
  });

  it("maps 401 invalid_client and 404 to errors with actionable hints", async () => {
    const { emu } = await setup();
    const sources = { clientId: "anton:clientId (or ANTON_CLIENT_ID)", clientSecret: "anton:clientSecret (or ANTON_CLIENT_SECRET)" };
    const c = new AntonClient({ apiUrl: emu.url, clientId: emu.credentials.clientId, clientSecret: "ant_ocs_wrong_000000000000", dpopPrivateKey: emu.credentials.dpopPrivateKeyPem, sources });
    clients.push(c);
    const err = await rejection(c.getWebhook("wbh_abc"));
    expect(err).toMatchObject({ status: 401, code: "invalid_client", retryable: false });
    expect(err.hint).toMatch(/check anton:clientId \(or ANTON_CLIENT_ID\) and anton:clientSecret \(or ANTON_CLIENT_SECRET\)/);
    const { client } = await setup();
    const nf = await rejection(client.getWebhook("wbh_doesnotexist"));
    expect(nf).toMatchObject({ status: 404 });
    expect(nf.hint).toMatch(/sandbox vs production/);
  });

  it("a key not registered with the credential gets a hint naming the key setting", async () => {
    const { emu } = await setup();
    const other = await emu.addClient();
    const c = new AntonClient({ apiUrl: emu.url, clientId: emu.credentials.clientId, clientSecret: emu.credentials.clientSecret, dpopPrivateKey: other.dpopPrivateKeyPem, sources: { dpopPrivateKey: "anton:dpopPrivateKey" } });
    clients.push(c);
    const err = await rejection(c.getWebhook("wbh_abc"));
    expect(err.status === 400 || err.status === 401).toBe(true);
    console.log("unregistered key →", err.status, err.code, "|", err.hint);
    expect(err.hint).toMatch(/anton:dpopPrivateKey/);
  });

  it("keeps at most maxConcurrency requests in flight at the server", async () => {
    const { emu, client } = await setup({}, { maxConcurrency: 4 });
    const hook = emu.createWebhook();
    await client.getWebhookSecret(hook.id); // token minted outside the measurement
    let inFlight = 0;
    let max = 0;
    const start = () => (max = Math.max(max, ++inFlight));
    const finish = () => inFlight--;
    diagnostics_channel.subscribe("http.server.request.start", start);
    diagnostics_channel.subscribe("http.server.response.finish", finish);
    emu.faults.delay(30, 24, { route: SECRET });
    try {
      await Promise.all(Array.from({ length: 24 }, () => client.getWebhookSecret(hook.id)));
    } finally {
      diagnostics_channel.unsubscribe("http.server.request.start", start);
      diagnostics_channel.unsubscribe("http.server.response.finish", finish);
    }
    console.log("max in-flight at the emulator with maxConcurrency 4 (24 parallel calls):", max);
    expect(max).toBe(4);
  });

  it("publishes request/token/retry events and counts stats", async () => {
    const { emu, client } = await setup();
    const hook = emu.createWebhook();
    const req = collect(REQUEST_CHANNEL);
    const tok = collect(TOKEN_CHANNEL);
    emu.faults.failNext(1, 503, { route: ROTATE });
    await client.rotateWebhookSecret(hook.id);
    req.stop();
    tok.stop();
    expect(tok.events).toHaveLength(1);
    expect(typeof tok.events[0]!.durationMs).toBe("number");
    expect(req.events.map((e) => [e.method, e.route, e.status, e.statusClass, e.attempt, e.retry])).toEqual([
      ["POST", "/oauth/token", 200, "2xx", 1, false],
      ["POST", "/v1/webhooks/:id/secret/rotate", 503, "5xx", 1, true],
      ["POST", "/v1/webhooks/:id/secret/rotate", 200, "2xx", 2, false],
    ]);
    expect(JSON.stringify(req.events)).not.toContain(hook.id);
    expect(client.stats).toMatchObject({ requests: 3, byStatusClass: { "2xx": 2, "4xx": 0, "5xx": 1, network: 0 }, retries: 1, tokensMinted: 1 });
  });
});

describe("in-progress idempotency, abort and TLS", () => {
  it("waits out a 409 idempotency_key_in_use and gets the rotation", async () => {
    const { emu, client, sleeps } = await setup();
    const hook = emu.createWebhook();
    emu.faults.failNext(1, 409, { route: ROTATE, code: "idempotency_key_in_use" });
    const r = await client.rotateWebhookSecret(hook.id);
    expect(r.secret).toBe(emu.state.currentSecret(hook.id));
    expect(r.attempts).toBe(2);
    expect(sleeps).toHaveLength(1);
    expect(emu.state.rotations(hook.id)).toBe(1);
  });

  it("an aborted rotation reports serverState unknown once the request was sent", async () => {
    const { emu, client } = await setup();
    const hook = emu.createWebhook();
    await client.getWebhookSecret(hook.id); // token first, so the abort hits the rotation itself
    emu.faults.delay(5000, 1, { route: ROTATE });
    const ac = new AbortController();
    const p = client.rotateWebhookSecret(hook.id, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const err = await rejection(p);
    expect(err).toMatchObject({ code: "aborted", serverState: "unknown", attempts: 1 });
    const pre = new AbortController();
    pre.abort();
    expect(await rejection(client.rotateWebhookSecret(hook.id, { signal: pre.signal }))).toMatchObject({ code: "aborted", serverState: "unchanged", attempts: 0 });
  });

  const hasOpenssl = (() => {
    try {
      execFileSync("openssl", ["version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasOpenssl)("refuses an untrusted certificate with tls_error, without retrying", async () => {
    const dir = mkdtempSync(join(tmpdir(), "anton-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem")], { stdio: "ignore" });
    const { emu, client, sleeps } = await setup({ tls: { key: readFileSync(join(dir, "k.pem")), cert: readFileSync(join(dir, "c.pem")) } });
    expect(emu.url).toMatch(/^https:/);
    const err = await rejection(client.getWebhookSecret("wbh_abc"));
    expect(err).toMatchObject({ code: "tls_error", retryable: false, attempts: 1 });
    expect(err.hint).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(sleeps).toEqual([]);
    expect(emu.state.requests.total).toBe(0);
  });
});
