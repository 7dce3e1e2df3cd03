import { describe, expect, it } from "vitest";
import { verifyWebhookSignature, type WebhookHeaders } from "../../provider/signature";
import { BODY, CURRENT_SECRET, TS, expectRejection, hmacHex, refSign } from "./fixtures";

const SIG = refSign(CURRENT_SECRET, TS, BODY);
const LEGACY = hmacHex(CURRENT_SECRET, BODY);

function verify(headers: WebhookHeaders, allowLegacyScheme?: boolean) {
  return verifyWebhookSignature({ rawBody: BODY, headers, secrets: [CURRENT_SECRET], now: TS, allowLegacyScheme });
}

describe("header lookup", () => {
  it.each([
    ["lowercase", { "x-webhook-signature": `v1=${SIG}`, "x-webhook-timestamp": `${TS}` }],
    ["canonical", { "X-Webhook-Signature": `v1=${SIG}`, "X-Webhook-Timestamp": `${TS}` }],
    ["shouting", { "X-WEBHOOK-SIGNATURE": `v1=${SIG}`, "x-WeBhOoK-tImEsTaMp": `${TS}` }],
  ])("finds plain-object headers case-insensitively (%s)", (_name, headers) => {
    expect(verify(headers).scheme).toBe("A");
  });

  it("accepts single-element arrays (Node headersDistinct / Lambda multiValueHeaders)", () => {
    expect(verify({ "x-webhook-signature": [`v1=${SIG}`], "x-webhook-timestamp": [`${TS}`] }).scheme).toBe("A");
  });

  it("accepts a WHATWG Headers instance", () => {
    const headers = new Headers({ "X-Webhook-Signature": `v1=${SIG}`, "X-Webhook-Timestamp": `${TS}`, "X-Webhook-ID": "evt_1" });
    expect(verify(headers)).toEqual({ scheme: "A", timestamp: TS, secretIndex: 0, eventId: "evt_1" });
  });

  it("accepts a Map, case-insensitively", () => {
    const headers = new Map([["Anton-Signature", `t=${TS},v1=${SIG}`]]);
    expect(verify(headers).scheme).toBe("B");
  });

  it("ignores undefined values and inherited properties", () => {
    const proto = { "x-webhook-signature": `v1=${SIG}`, "x-webhook-timestamp": `${TS}` };
    const headers = Object.assign(Object.create(proto) as Record<string, string>, { "anton-signature": undefined } as never);
    expectRejection(() => verify(headers), "missing_header");
  });

  it("treats empty values as absent", () => {
    const error = expectRejection(() => verify({ "x-webhook-signature": "  ", "anton-signature": "" }), "missing_header");
    expect(error.message).toContain("X-Webhook-Signature");
    expect(error.message).toContain("Anton-Signature");
  });
});

describe("missing headers", () => {
  it("reports no signature header at all", () => {
    const error = expectRejection(() => verify({ "content-type": "application/json" }), "missing_header");
    expect(error.header).toBe("X-Webhook-Signature");
  });

  it("reports a scheme A signature without its timestamp", () => {
    const error = expectRejection(() => verify({ "x-webhook-signature": `v1=${SIG}` }), "missing_header");
    expect(error.header).toBe("X-Webhook-Timestamp");
    expect(error.scheme).toBe("A");
  });

  it("reports a scheme A timestamp without its signature", () => {
    const error = expectRejection(() => verify({ "x-webhook-timestamp": `${TS}` }), "missing_header");
    expect(error.header).toBe("X-Webhook-Signature");
  });

  it("reports scheme B without t= as malformed", () => {
    expectRejection(() => verify({ "anton-signature": `v1=${SIG}` }), "malformed");
  });
});

describe("duplicate headers", () => {
  it("rejects a timestamp given as an array of two values", () => {
    const error = expectRejection(
      () => verify({ "x-webhook-signature": `v1=${SIG}`, "x-webhook-timestamp": [`${TS}`, `${TS}`] }),
      "duplicate_header",
    );
    expect(error.header).toBe("X-Webhook-Timestamp");
  });

  it("rejects a comma-joined duplicate timestamp (how Node and fetch join repeated lines)", () => {
    expectRejection(() => verify({ "x-webhook-signature": `v1=${SIG}`, "x-webhook-timestamp": `${TS}, ${TS + 1}` }), "duplicate_header");
    const headers = new Headers({ "X-Webhook-Signature": `v1=${SIG}` });
    headers.append("X-Webhook-Timestamp", `${TS}`);
    headers.append("X-Webhook-Timestamp", `${TS}`);
    expectRejection(() => verify(headers), "duplicate_header");
  });

  it("rejects the same header under two spellings in a plain object", () => {
    expectRejection(
      () => verify({ "x-webhook-signature": `v1=${SIG}`, "x-webhook-timestamp": `${TS}`, "X-Webhook-Timestamp": `${TS}` }),
      "duplicate_header",
    );
  });

  it("rejects Anton-Signature with two t= entries (two header lines joined)", () => {
    const error = expectRejection(() => verify({ "anton-signature": `t=${TS},v1=${SIG}, t=${TS},v1=${SIG}` }), "duplicate_header");
    expect(error.header).toBe("Anton-Signature");
    expectRejection(() => verify({ "anton-signature": [`t=${TS},v1=${SIG}`, `t=${TS - 1},v1=${SIG}`] }), "duplicate_header");
  });

  it("rejects a duplicated legacy header", () => {
    expectRejection(() => verify({ "x-anton-signature": [LEGACY, LEGACY] }, true), "duplicate_header");
    expectRejection(() => verify({ "x-anton-signature": `${LEGACY}, ${LEGACY}` }, true), "duplicate_header");
  });

  it("treats repeated X-Webhook-Signature lines as one list of entries (RFC 9110 list semantics)", () => {
    expect(verify({ "x-webhook-signature": [`v1=${"0".repeat(64)}`, `v1=${SIG}`], "x-webhook-timestamp": `${TS}` }).secretIndex).toBe(0);
  });

  it("omits eventId when X-Webhook-ID is duplicated rather than guessing", () => {
    const result = verify({ "x-webhook-signature": `v1=${SIG}`, "x-webhook-timestamp": `${TS}`, "x-webhook-id": ["evt_1", "evt_2"] });
    expect(result).toEqual({ scheme: "A", timestamp: TS, secretIndex: 0 });
    expect("eventId" in result).toBe(false);
  });
});

describe("malformed values", () => {
  it.each([
    ["bare hex without version", SIG],
    ["key without value separator", "v1"],
    ["only unknown keys", `sha256=${SIG}`],
    ["empty after separators", " , , "],
  ])("rejects X-Webhook-Signature with %s", (_name, value) => {
    const error = expectRejection(() => verify({ "x-webhook-signature": value, "x-webhook-timestamp": `${TS}` }), "malformed");
    expect(error.message).toContain("no v1=<hex> signature");
  });

  it("rejects Anton-Signature with a non-numeric t", () => {
    expectRejection(() => verify({ "anton-signature": `t=yesterday,v1=${SIG}` }), "malformed");
  });
});

describe("scheme precedence when several are present", () => {
  it("verifies A and ignores B when both are present", () => {
    const result = verify({ "x-webhook-signature": `v1=${SIG}`, "x-webhook-timestamp": `${TS}`, "anton-signature": "garbage" });
    expect(result.scheme).toBe("A");
  });

  it("does not fall back to a valid B when A is present but wrong", () => {
    const error = expectRejection(
      () => verify({ "x-webhook-signature": `v1=${"0".repeat(64)}`, "x-webhook-timestamp": `${TS}`, "anton-signature": `t=${TS},v1=${SIG}` }),
      "no_matching_signature",
    );
    expect(error.scheme).toBe("A");
  });

  it("uses B when only its signature header is present alongside a stray A timestamp", () => {
    expect(verify({ "anton-signature": `t=${TS},v1=${SIG}`, "x-webhook-timestamp": "junk" }).scheme).toBe("B");
  });
});

describe("legacy scheme C (X-Anton-Signature, body only)", () => {
  it("is rejected by default with a code and message that name the opt-in", () => {
    const error = expectRejection(() => verify({ "x-anton-signature": LEGACY }), "legacy_scheme_disabled");
    expect(error.message).toContain("allowLegacyScheme");
    expect(error.message).toContain("replay");
  });

  it("is accepted with allowLegacyScheme: true, with no timestamp and no window", () => {
    const result = verifyWebhookSignature({
      rawBody: BODY,
      headers: { "X-Anton-Signature": LEGACY, "X-Webhook-ID": "evt_7" },
      secrets: ["whsec_old", CURRENT_SECRET],
      now: TS + 10 * 365 * 86_400,
      allowLegacyScheme: true,
    });
    expect(result).toEqual({ scheme: "C", timestamp: null, secretIndex: 1, eventId: "evt_7" });
  });

  it("rejects a wrong legacy signature", () => {
    expectRejection(() => verify({ "x-anton-signature": hmacHex(CURRENT_SECRET, `${BODY} `) }, true), "no_matching_signature");
  });

  it("never downgrades: with A present, C is ignored even when allowed", () => {
    const error = expectRejection(
      () => verify({ "x-webhook-signature": `v1=${"0".repeat(64)}`, "x-webhook-timestamp": `${TS}`, "x-anton-signature": LEGACY }, true),
      "no_matching_signature",
    );
    expect(error.scheme).toBe("A");
    expectRejection(() => verify({ "x-webhook-signature": `v1=${SIG}`, "x-anton-signature": LEGACY }, true), "missing_header");
  });
});
