/**
 * Ageing out the previous secret: the AWS example's document keeps `previous` until the next
 * rotation, so a receiver can refuse it a set time after `rotatedAt` without anyone editing the document.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createSignatureHeaders } from "pulumi-anton";
import { receiverFromEnv } from "../../examples/receiver/from-env";
import { createReceiver, type ReceiverServer } from "../../examples/receiver/receiver";
import { parseSecretsJson, SecretsUnavailableError, type WebhookSecrets } from "../../examples/receiver/secrets";
import { closeServer, listen, post, VirtualClock } from "./support";

const OLD = `whsec_${"o".repeat(64)}`;
const NEW = `whsec_${"n".repeat(64)}`;
const ROTATED_AT = "2026-03-01T12:00:00.000Z";
const MAX_AGE = 3600;

let server: ReceiverServer | undefined;
afterEach(async () => {
  if (server) await closeServer(server);
  server = undefined;
});

let seq = 0;
function delivery(secret: string, nowMs: number): { id: string; body: string; headers: Record<string, string> } {
  const id = `evt_age${++seq}`;
  const body = JSON.stringify({ id, type: "payout.completed" });
  const headers = createSignatureHeaders({ secrets: [secret], body, timestamp: Math.floor(nowMs / 1000), eventId: id });
  return { id, body, headers: { "content-type": "application/json", ...headers } };
}

async function start(secrets: WebhookSecrets, maxAge: number | undefined, clock: VirtualClock) {
  const logs: string[] = [];
  const processed: { id: string; secretIndex: number }[] = [];
  server = createReceiver({
    secrets: () => secrets,
    previousSecretMaxAgeSeconds: maxAge,
    now: clock.nowMs,
    log: (line) => logs.push(line),
    onEvent: (event, info) => void processed.push({ id: event.id, secretIndex: info.secretIndex }),
  });
  return { url: await listen(server), logs, processed };
}

/** A clock standing `seconds` after ROTATED_AT. */
function clockAt(seconds: number): VirtualClock {
  const clock = new VirtualClock();
  clock.offsetMs = Date.parse(ROTATED_AT) + seconds * 1000 - Date.now();
  return clock;
}

describe("the document's rotatedAt", () => {
  it("is kept alongside previous (its only use), and dropped when there is no previous", () => {
    const doc = (previous: string) => JSON.stringify({ current: NEW, previous, rotatedAt: ROTATED_AT, fingerprint: "" });
    expect(parseSecretsJson(doc(OLD), "src")).toEqual({ current: NEW, previous: OLD, rotatedAt: ROTATED_AT });
    expect(parseSecretsJson(doc(""), "src")).toEqual({ current: NEW });
    expect(parseSecretsJson(JSON.stringify({ current: NEW, previous: OLD }), "src")).toEqual({ current: NEW, previous: OLD });
  });

  it("must be a time when present; the error quotes neither it nor a secret", () => {
    for (const rotatedAt of ["next tuesday", 1_700_000_000, true]) {
      const text = JSON.stringify({ current: NEW, previous: OLD, rotatedAt });
      expect(() => parseSecretsJson(text, "src")).toThrow(SecretsUnavailableError);
      expect(() => parseSecretsJson(text, "src")).toThrow(/^src: "rotatedAt" must be an ISO 8601 time\.$/);
    }
  });
});

describe("previousSecretMaxAgeSeconds", () => {
  const secrets: WebhookSecrets = { current: NEW, previous: OLD, rotatedAt: ROTATED_AT };

  it("within the age: a delivery signed only with the previous secret is accepted (secretIndex 1)", async () => {
    const clock = clockAt(MAX_AGE - 60);
    const { url, processed } = await start(secrets, MAX_AGE, clock);
    const late = delivery(OLD, clock.nowMs());
    expect((await post(url, late.body, late.headers)).status).toBe(202);
    expect(processed).toEqual([{ id: late.id, secretIndex: 1 }]);
  });

  it("past the age: the previous secret is refused (401, logged as previous_secret=expired); the current one still works", async () => {
    const clock = clockAt(MAX_AGE + 1);
    const { url, logs, processed } = await start(secrets, MAX_AGE, clock);
    const late = delivery(OLD, clock.nowMs());
    const res = await post(url, late.body, late.headers);
    expect(res.status).toBe(401);
    expect(res.text).toBe('{"error":"unauthorized"}');
    expect(logs.at(-1)).toMatch(/outcome=rejected status=401 reason=no_matching_signature .*previous_secret=expired/);

    const fresh = delivery(NEW, clock.nowMs());
    expect((await post(url, fresh.body, fresh.headers)).status).toBe(202);
    expect(processed).toEqual([{ id: fresh.id, secretIndex: 0 }]);
    expect(logs.at(-1)).not.toContain("previous_secret=");
  });

  it("unset: the previous secret stays valid for as long as the document carries it", async () => {
    const clock = clockAt(30 * 86_400);
    const { url, processed } = await start(secrets, undefined, clock);
    const late = delivery(OLD, clock.nowMs());
    expect((await post(url, late.body, late.headers)).status).toBe(202);
    expect(processed).toEqual([{ id: late.id, secretIndex: 1 }]);
  });

  it("a document without rotatedAt keeps its previous secret (the age is unknown)", async () => {
    const clock = clockAt(30 * 86_400);
    const { url, processed } = await start({ current: NEW, previous: OLD }, MAX_AGE, clock);
    const late = delivery(OLD, clock.nowMs());
    expect((await post(url, late.body, late.headers)).status).toBe(202);
    expect(processed.map((p) => p.secretIndex)).toEqual([1]);
  });
});

describe("ANTON_WEBHOOK_PREVIOUS_MAX_AGE_SECONDS", () => {
  const twoHoursAgo = () => new Date(Date.now() - 2 * 3600_000).toISOString();
  const env = (extra: Record<string, string>) => ({
    ANTON_WEBHOOK_SECRETS_JSON: JSON.stringify({ current: NEW, previous: OLD, rotatedAt: twoHoursAgo(), fingerprint: "" }),
    ...extra,
  });

  it("set below the document's age: the entry point refuses the previous secret", async () => {
    const configured = receiverFromEnv(env({ ANTON_WEBHOOK_PREVIOUS_MAX_AGE_SECONDS: "3600" }), { log: () => {}, onEvent: () => {} });
    server = configured.server;
    const url = await listen(server);
    const late = delivery(OLD, Date.now());
    expect((await post(url, late.body, late.headers)).status).toBe(401);
    const fresh = delivery(NEW, Date.now());
    expect((await post(url, fresh.body, fresh.headers)).status).toBe(202);
  });

  it("unset: the entry point accepts the previous secret", async () => {
    const configured = receiverFromEnv(env({}), { log: () => {}, onEvent: () => {} });
    server = configured.server;
    const url = await listen(server);
    const late = delivery(OLD, Date.now());
    expect((await post(url, late.body, late.headers)).status).toBe(202);
  });

  it("not a whole number of seconds: a configuration error naming the variable", () => {
    for (const value of ["1h", "-5", "3600.5"]) {
      expect(() => receiverFromEnv(env({ ANTON_WEBHOOK_PREVIOUS_MAX_AGE_SECONDS: value }))).toThrow(/^ANTON_WEBHOOK_PREVIOUS_MAX_AGE_SECONDS must be an integer/);
    }
  });
});
