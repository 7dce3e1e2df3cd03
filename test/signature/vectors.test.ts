import { describe, expect, it } from "vitest";
import { createSignatureHeaders, signWebhookPayload, verifyWebhookSignature } from "../../provider/signature";
import { BODY, CURRENT_SECRET, TS, headersA, headersB, hmacHex, refSign } from "./fixtures";

// Computed with: printf '%s' '1700000000.{"id":"evt_123","type":"payout.completed"}' | openssl dgst -sha256 -hmac "$CURRENT_SECRET"
const KNOWN_A_B = "49815be34383d72ae905ceb3cff2353b07c637c2547cc6ff1c62d891f5f92c8d";
// Same secret and timestamp, body '{"note":"café ✓ 日本"}' (UTF-8).
const KNOWN_UTF8 = "a87c2a85b17dca2184999b5ad71f5bf51fff24ce0fc9da01bb388d4210d7c80d";
// Body only (legacy scheme C).
const KNOWN_C = "02db9e7f93fbfd72d77a2bc84b21d086954391ffd178ada4cdc0671aeae47b8f";
const UTF8_BODY = '{"note":"café ✓ 日本"}';

describe("signWebhookPayload", () => {
  it("matches a hard-coded known-answer vector computed with openssl", () => {
    expect(signWebhookPayload(CURRENT_SECRET, TS, BODY)).toBe(KNOWN_A_B);
    expect(signWebhookPayload(CURRENT_SECRET, String(TS), Buffer.from(BODY))).toBe(KNOWN_A_B);
  });

  it("matches an independent node:crypto computation and is lowercase hex", () => {
    const sig = signWebhookPayload(CURRENT_SECRET, TS, BODY);
    expect(sig).toBe(refSign(CURRENT_SECRET, TS, BODY));
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
  });

  it("encodes string bodies as UTF-8 (non-ASCII known answer)", () => {
    expect(signWebhookPayload(CURRENT_SECRET, TS, UTF8_BODY)).toBe(KNOWN_UTF8);
    expect(signWebhookPayload(CURRENT_SECRET, TS, Buffer.from(UTF8_BODY, "utf8"))).toBe(KNOWN_UTF8);
    // latin1 bytes of the same text are a different body and must give a different signature.
    expect(signWebhookPayload(CURRENT_SECRET, TS, Buffer.from(UTF8_BODY, "latin1"))).not.toBe(KNOWN_UTF8);
  });

  it("keys the HMAC with the full secret string including the whsec_ prefix", () => {
    const withoutPrefix = CURRENT_SECRET.slice("whsec_".length);
    expect(signWebhookPayload(CURRENT_SECRET, TS, BODY)).not.toBe(refSign(withoutPrefix, TS, BODY));
    expect(signWebhookPayload(CURRENT_SECRET, TS, BODY)).not.toBe(refSign(Buffer.from(withoutPrefix, "hex").toString("latin1"), TS, BODY));
  });

  it("rejects an empty secret and a non-integer timestamp", () => {
    expect(() => signWebhookPayload("", TS, BODY)).toThrow(TypeError);
    expect(() => signWebhookPayload(CURRENT_SECRET, 1.5, BODY)).toThrow(TypeError);
    expect(() => signWebhookPayload(CURRENT_SECRET, -1, BODY)).toThrow(TypeError);
  });
});

describe("verifyWebhookSignature: known-answer vectors", () => {
  it("accepts scheme A with the known vector", () => {
    const result = verifyWebhookSignature({ rawBody: BODY, headers: headersA(`v1=${KNOWN_A_B}`), secrets: [CURRENT_SECRET], now: TS });
    expect(result).toEqual({ scheme: "A", timestamp: TS, secretIndex: 0 });
  });

  it("accepts scheme B with the known vector", () => {
    const result = verifyWebhookSignature({ rawBody: BODY, headers: headersB(`t=${TS},v1=${KNOWN_A_B}`), secrets: [CURRENT_SECRET], now: TS });
    expect(result).toEqual({ scheme: "B", timestamp: TS, secretIndex: 0 });
  });

  it("accepts scheme C with the known vector when opted in", () => {
    const result = verifyWebhookSignature({
      rawBody: BODY,
      headers: { "x-anton-signature": KNOWN_C },
      secrets: [CURRENT_SECRET],
      allowLegacyScheme: true,
    });
    expect(result).toEqual({ scheme: "C", timestamp: null, secretIndex: 0 });
    expect(hmacHex(CURRENT_SECRET, BODY)).toBe(KNOWN_C);
  });

  it("accepts uppercase hex (the bytes are compared, not the text)", () => {
    const result = verifyWebhookSignature({
      rawBody: BODY,
      headers: headersA(`v1=${KNOWN_A_B.toUpperCase()}`),
      secrets: [CURRENT_SECRET],
      now: TS,
    });
    expect(result.secretIndex).toBe(0);
  });

  it("returns X-Webhook-ID as eventId when present", () => {
    const headers = { ...headersA(`v1=${KNOWN_A_B}`), "X-Webhook-ID": "evt_123" };
    const result = verifyWebhookSignature({ rawBody: BODY, headers, secrets: [CURRENT_SECRET], now: TS });
    expect(result).toEqual({ scheme: "A", timestamp: TS, secretIndex: 0, eventId: "evt_123" });
  });
});

describe("raw body types", () => {
  const sig = refSign(CURRENT_SECRET, TS, UTF8_BODY);

  it.each([
    ["string", UTF8_BODY],
    ["Buffer", Buffer.from(UTF8_BODY, "utf8")],
    ["Uint8Array", new Uint8Array(Buffer.from(UTF8_BODY, "utf8"))],
    ["ArrayBuffer", new Uint8Array(Buffer.from(UTF8_BODY, "utf8")).buffer],
  ])("verifies a non-ASCII body given as %s", (_kind, rawBody) => {
    const result = verifyWebhookSignature({ rawBody, headers: headersA(`v1=${sig}`), secrets: [CURRENT_SECRET], now: TS });
    expect(result.secretIndex).toBe(0);
  });

  it("verifies an empty body", () => {
    const result = verifyWebhookSignature({
      rawBody: Buffer.alloc(0),
      headers: headersA(`v1=${refSign(CURRENT_SECRET, TS, "")}`),
      secrets: [CURRENT_SECRET],
      now: TS,
    });
    expect(result.scheme).toBe("A");
  });

  it("verifies a Buffer with a non-zero byteOffset (a slice of a larger pool)", () => {
    const pool = Buffer.from(`xxxx${BODY}yyyy`, "utf8");
    const slice = pool.subarray(4, 4 + Buffer.byteLength(BODY));
    const result = verifyWebhookSignature({ rawBody: slice, headers: headersA(`v1=${KNOWN_A_B}`), secrets: [CURRENT_SECRET], now: TS });
    expect(result.secretIndex).toBe(0);
  });
});

describe("createSignatureHeaders", () => {
  it("produces scheme A headers that verify, one v1 per secret", () => {
    const headers = createSignatureHeaders({ secrets: [CURRENT_SECRET, "whsec_other"], body: BODY, timestamp: TS, eventId: "evt_1" });
    expect(headers).toEqual({
      "X-Webhook-Signature": `v1=${KNOWN_A_B},v1=${refSign("whsec_other", TS, BODY)}`,
      "X-Webhook-Timestamp": String(TS),
      "X-Webhook-ID": "evt_1",
    });
    expect(verifyWebhookSignature({ rawBody: BODY, headers, secrets: ["whsec_other"], now: TS })).toEqual({
      scheme: "A",
      timestamp: TS,
      secretIndex: 0,
      eventId: "evt_1",
    });
  });

  it("produces scheme B headers that verify", () => {
    const headers = createSignatureHeaders({ secrets: [CURRENT_SECRET], body: BODY, timestamp: TS, scheme: "B" });
    expect(headers).toEqual({ "Anton-Signature": `t=${TS},v1=${KNOWN_A_B}` });
    expect(verifyWebhookSignature({ rawBody: BODY, headers, secrets: [CURRENT_SECRET], now: TS }).scheme).toBe("B");
  });

  it("defaults the timestamp to now, which verifies with the default clock", () => {
    const headers = createSignatureHeaders({ secrets: [CURRENT_SECRET], body: BODY });
    const result = verifyWebhookSignature({ rawBody: BODY, headers, secrets: [CURRENT_SECRET] });
    expect(Math.abs(result.timestamp! - Date.now() / 1000)).toBeLessThanOrEqual(300);
  });

  it("refuses an empty secrets list", () => {
    expect(() => createSignatureHeaders({ secrets: [], body: BODY })).toThrow(TypeError);
  });
});
