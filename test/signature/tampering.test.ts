import { describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "../../provider/signature";
import { CURRENT_SECRET, TS, expectRejection, headersA, headersB, refSign } from "./fixtures";

const RAW = '{"id":"evt_9","type":"payout.completed","data":{"amount":"100.00","currency":"USD"}}';
const SIG = refSign(CURRENT_SECRET, TS, RAW);

describe("body integrity", () => {
  it("accepts the untouched body (control)", () => {
    expect(verifyWebhookSignature({ rawBody: RAW, headers: headersA(`v1=${SIG}`), secrets: [CURRENT_SECRET], now: TS }).scheme).toBe("A");
  });

  it("rejects a body with one changed character", () => {
    const tampered = RAW.replace("100.00", "900.00");
    expectRejection(() => verifyWebhookSignature({ rawBody: tampered, headers: headersA(`v1=${SIG}`), secrets: [CURRENT_SECRET], now: TS }), "no_matching_signature");
  });

  it("rejects a body with a trailing newline added", () => {
    expectRejection(
      () => verifyWebhookSignature({ rawBody: `${RAW}\n`, headers: headersA(`v1=${SIG}`), secrets: [CURRENT_SECRET], now: TS }),
      "no_matching_signature",
    );
  });

  it.each([
    ["pretty-printed", (value: unknown) => JSON.stringify(value, null, 2)],
    ["space after colons", (value: unknown) => JSON.stringify(value).replace(/":/g, '": ')],
  ])("rejects re-serialized JSON (%s), which carries the same data in different bytes", (_name, reserialize) => {
    const reserialized = reserialize(JSON.parse(RAW));
    expect(JSON.parse(reserialized)).toEqual(JSON.parse(RAW));
    expect(reserialized).not.toBe(RAW);
    expectRejection(
      () => verifyWebhookSignature({ rawBody: reserialized, headers: headersA(`v1=${SIG}`), secrets: [CURRENT_SECRET], now: TS }),
      "no_matching_signature",
    );
  });

  it("rejects a re-dated delivery: the timestamp is part of the signed string", () => {
    expectRejection(
      () => verifyWebhookSignature({ rawBody: RAW, headers: headersA(`v1=${SIG}`, TS + 1), secrets: [CURRENT_SECRET], now: TS }),
      "no_matching_signature",
    );
    expectRejection(
      () => verifyWebhookSignature({ rawBody: RAW, headers: headersB(`t=${TS + 1},v1=${SIG}`), secrets: [CURRENT_SECRET], now: TS }),
      "no_matching_signature",
    );
  });

  it("signs the timestamp exactly as sent: leading zeros change the signed string", () => {
    expectRejection(
      () => verifyWebhookSignature({ rawBody: RAW, headers: headersA(`v1=${SIG}`, `0${TS}`), secrets: [CURRENT_SECRET], now: TS }),
      "no_matching_signature",
    );
    const padded = refSign(CURRENT_SECRET, `0${TS}`, RAW);
    expect(verifyWebhookSignature({ rawBody: RAW, headers: headersA(`v1=${padded}`, `0${TS}`), secrets: [CURRENT_SECRET], now: TS }).timestamp).toBe(TS);
  });

  it("rejects a scheme C (body-only) signature replayed in a scheme A header", () => {
    const bodyOnly = refSign(CURRENT_SECRET, "", RAW); // HMAC(".{body}"), deliberately wrong shape
    expectRejection(
      () => verifyWebhookSignature({ rawBody: RAW, headers: headersA(`v1=${bodyOnly}`), secrets: [CURRENT_SECRET], now: TS }),
      "no_matching_signature",
    );
  });
});
