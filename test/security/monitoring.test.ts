/**
 * Monitoring hooks: subscribe to all four `node:diagnostics_channel` channels during
 * a faulty run and check that the events add up to the client's counters (and to
 * what the server saw), that 401s and rate-limit waits are visible, and that no
 * secret (or webhook id) appears in any event.
 */
import diagnostics_channel from "node:diagnostics_channel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RATE_LIMIT_CHANNEL, REQUEST_CHANNEL, RETRY_CHANNEL, TOKEN_CHANNEL, type RateLimitEvent, type RequestEvent, type RetryEvent, type TokenEvent } from "../../provider/client";
import { startAnton, type AntonFixture } from "../support/anton";
import { runChaos, type ChaosFigures } from "../chaos/support";
import { CanarySet } from "./scanner";
import { captureWireCredentials } from "./wire";

let anton: AntonFixture;
const events = { request: [] as RequestEvent[], retry: [] as RetryEvent[], token: [] as TokenEvent[], rateLimit: [] as RateLimitEvent[] };
const canaries = new CanarySet();
let figures: ChaosFigures;

beforeAll(async () => {
  anton = await startAnton({ rateLimit: false });
  canaries.add("client secret", anton.emulator.credentials.clientSecret);
  canaries.add("private key PEM", anton.emulator.credentials.dpopPrivateKeyPem);
  canaries.add("private key d", String(anton.emulator.credentials.dpopPrivateJwk.d));
  const subs: Array<[string, (m: unknown) => void]> = [
    [REQUEST_CHANNEL, (m) => events.request.push(m as RequestEvent)],
    [RETRY_CHANNEL, (m) => events.retry.push(m as RetryEvent)],
    [TOKEN_CHANNEL, (m) => events.token.push(m as TokenEvent)],
    [RATE_LIMIT_CHANNEL, (m) => events.rateLimit.push(m as RateLimitEvent)],
  ];
  for (const [name, fn] of subs) diagnostics_channel.subscribe(name, fn);
  const stopWire = captureWireCredentials(canaries);
  try {
    figures = await runChaos(anton.emulator, anton.config, {
      rotations: 60,
      webhooks: 6,
      rate: 0.3,
      seed: 7,
      onServerSecrets: (s) => s.forEach((v) => canaries.add("webhook secret", v)),
    });
  } finally {
    stopWire();
    for (const [name, fn] of subs) diagnostics_channel.unsubscribe(name, fn);
  }
}, 60_000);
afterAll(async () => {
  await anton.emulator.close();
});

describe("monitoring channels during a faulty run", () => {
  it("request events match the client's counters and the server's request count", () => {
    const stats = figures.clientStats!;
    console.log(`monitoring: ${JSON.stringify({ request: events.request.length, retry: events.retry.length, token: events.token.length, rateLimit: events.rateLimit.length, stats })}`);
    expect(events.request).toHaveLength(stats.requests);
    expect(events.request).toHaveLength(figures.requestsAtServer);
    const byClass = { "2xx": 0, "4xx": 0, "5xx": 0, network: 0 };
    for (const e of events.request) byClass[e.statusClass] += 1;
    expect(byClass).toEqual(stats.byStatusClass);
    expect(byClass["5xx"]).toBeGreaterThan(0);
    expect(byClass.network).toBeGreaterThan(0);
    // Every attempt says whether a retry follows; those are exactly the retry events.
    expect(events.request.filter((e) => e.retry)).toHaveLength(events.retry.length);
  });

  it("401s are counted (token expiry, nonce and skew challenges all answer 401 on /v1)", () => {
    const stats = figures.clientStats!;
    const unauthorized = events.request.filter((e) => e.status === 401).length;
    expect(unauthorized).toBe(stats.unauthorized401);
    expect(unauthorized).toBeGreaterThan(0);
  });

  it("retry and rate-limit events match the counters, and every 429 wait is reported", () => {
    const stats = figures.clientStats!;
    expect(events.retry).toHaveLength(stats.retries);
    expect(events.retry.filter((e) => e.reason === "nonce")).toHaveLength(stats.nonceRetries);
    expect(events.rateLimit).toHaveLength(stats.rateLimitWaits);
    expect(events.rateLimit.length).toBeGreaterThan(0);
    expect(events.rateLimit).toHaveLength(events.retry.filter((e) => e.reason === "429").length);
    expect(events.rateLimit.reduce((sum, e) => sum + e.waitMs, 0)).toBe(stats.rateLimitWaitMs);
    const reasons = new Set(events.retry.map((e) => e.reason));
    for (const r of ["5xx", "429", "token", "network"]) expect(reasons).toContain(r);
  });

  it("token events match mints (the server may have minted more: a mint whose response was dropped)", () => {
    const stats = figures.clientStats!;
    expect(events.token).toHaveLength(stats.tokensMinted);
    expect(stats.tokensMinted).toBeGreaterThan(1);
    expect(stats.tokensMinted).toBeLessThanOrEqual(anton.emulator.state.tokensMinted);
  });

  it("no secret, credential or webhook id appears in any event or counter (and the scanner catches a planted one)", () => {
    expect(canaries.names()).toMatchObject({ "client secret": 1, "access token": expect.any(Number), "DPoP proof": expect.any(Number), "webhook secret": expect.any(Number) });
    const text = JSON.stringify({ events, stats: figures.clientStats });
    expect(canaries.scan([{ where: "monitoring events", text }])).toEqual([]);
    for (const hook of anton.emulator.state.webhooks()) expect(text).not.toContain(hook.id);
    // Control: the same scan over events with one planted token must report it.
    const planted = JSON.stringify({ events: [...events.request, { route: `/v1/x?token=${anton.emulator.state.webhooks()[0]!.secret}` }] });
    expect(canaries.scan([{ where: "control", text: planted }])).toEqual([{ where: "control", canary: "webhook secret", encoding: "raw" }]);
  });
});
