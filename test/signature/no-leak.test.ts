import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { safeVerifyWebhookSignature, verifyWebhookSignature, type VerifyWebhookSignatureInput } from "../../provider/signature";
import { TS, hmacHex, refSign } from "./fixtures";

// Canary values: if any of these strings shows up in an error, something leaked.
const SECRET = "whsec_CANARYSECRET0000000000000000000000000000000000000000000000000";
const PREVIOUS = "whsec_CANARYPREVIOUS00000000000000000000000000000000000000000000000";
const BODY = '{"id":"evt_canary","card":"CANARYBODY-4111111111111111"}';
const SENT = "a".repeat(64); // the (wrong) signature the attacker sent

function expectedSignatures(timestamp: number | string, body: string): string[] {
  return [SECRET, PREVIOUS].flatMap((secret) => [refSign(secret, timestamp, body), hmacHex(secret, body)]);
}

function renderings(error: unknown): string {
  const e = error as Error & Record<string, unknown>;
  return [String(e), e.message, e.stack ?? "", inspect(e, { depth: 5, showHidden: true }), JSON.stringify(e), JSON.stringify(Object.entries(e))].join("\n");
}

function captured(input: VerifyWebhookSignatureInput): string {
  const result = safeVerifyWebhookSignature(input);
  if (result.ok) throw new Error("expected a rejection");
  return renderings(result.error);
}

function expectClean(text: string, timestamp: number | string = TS): void {
  for (const needle of [SECRET, PREVIOUS, "CANARYSECRET", "CANARYPREVIOUS", "CANARYBODY", SENT, ...expectedSignatures(timestamp, BODY)]) {
    expect(text).not.toContain(needle);
  }
}

describe("no secret, expected signature, received signature or body in errors", () => {
  const base = { rawBody: BODY, secrets: [SECRET, PREVIOUS], now: TS };

  it.each([
    ["no_matching_signature (A)", { "x-webhook-signature": `v1=${SENT}`, "x-webhook-timestamp": `${TS}` }],
    ["no_matching_signature (B)", { "anton-signature": `t=${TS},v1=${SENT}` }],
    ["malformed", { "x-webhook-signature": `v2=${SENT}`, "x-webhook-timestamp": `${TS}` }],
    ["duplicate_header", { "x-webhook-signature": `v1=${SENT}`, "x-webhook-timestamp": [`${TS}`, `${TS}`] }],
    ["missing_header", { "x-webhook-signature": `v1=${SENT}` }],
    ["legacy_scheme_disabled", { "x-anton-signature": SENT }],
  ])("%s", (_name, headers) => {
    expectClean(captured({ ...base, headers }));
  });

  it("no_matching_signature (C, opted in)", () => {
    expectClean(captured({ ...base, headers: { "x-anton-signature": SENT }, allowLegacyScheme: true }));
  });

  it("timestamp_out_of_range (authentic but stale)", () => {
    const sig = refSign(SECRET, TS, BODY);
    const text = captured({ ...base, now: TS + 1000, headers: { "x-webhook-signature": `v1=${sig}`, "x-webhook-timestamp": `${TS}` } });
    expect(text).toContain("timestamp_out_of_range");
    for (const needle of [SECRET, PREVIOUS, "CANARYBODY", sig]) expect(text).not.toContain(needle);
  });

  it("configuration errors never echo the offending secret", () => {
    for (const secrets of [[`${SECRET}\n`], [SECRET, " "], [SECRET, 42]]) {
      let caught: unknown;
      try {
        verifyWebhookSignature({ ...base, headers: {}, secrets } as unknown as VerifyWebhookSignatureInput);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TypeError);
      expectClean(renderings(caught));
    }
    let caught: unknown;
    try {
      verifyWebhookSignature({ ...base, headers: {}, rawBody: JSON.parse(BODY) } as unknown as VerifyWebhookSignatureInput);
    } catch (error) {
      caught = error;
    }
    expectClean(renderings(caught));
  });

  it("the successful result carries no secret material either", () => {
    const sig = refSign(PREVIOUS, TS, BODY);
    const result = verifyWebhookSignature({ ...base, headers: { "x-webhook-signature": `v1=${sig}`, "x-webhook-timestamp": `${TS}` } });
    expect(result).toEqual({ scheme: "A", timestamp: TS, secretIndex: 1 });
    expect(JSON.stringify(result)).not.toContain(sig);
  });
});
