import { describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "../../provider/signature";
import { BODY, CURRENT_SECRET, TS, expectRejection, headersA, headersB, refSign } from "./fixtures";

const SIG = refSign(CURRENT_SECRET, TS, BODY);

function verifyAt(now: number, toleranceSeconds?: number) {
  return verifyWebhookSignature({ rawBody: BODY, headers: headersA(`v1=${SIG}`), secrets: [CURRENT_SECRET], now, toleranceSeconds });
}

describe("timestamp tolerance (default 300 s, both directions)", () => {
  it("accepts a delivery exactly 300 s old", () => {
    expect(verifyAt(TS + 300).timestamp).toBe(TS);
  });

  it("rejects a delivery 301 s old, reporting the skew", () => {
    const error = expectRejection(() => verifyAt(TS + 301), "timestamp_out_of_range");
    expect(error.skewSeconds).toBe(301);
    expect(error.header).toBe("X-Webhook-Timestamp");
    expect(error.message).toContain("301 s old");
  });

  it("says which way the clocks differ: an old timestamp means this clock is ahead (or a replay), a future one behind", () => {
    const old = expectRejection(() => verifyAt(TS + 3600), "timestamp_out_of_range");
    expect(old.message).toContain("3600 s old: a replayed or long-delayed delivery, or this server's clock is ahead of the sender's");
    expect(old.message).not.toMatch(/behind/);
    const future = expectRejection(() => verifyAt(TS - 3600), "timestamp_out_of_range");
    expect(future.message).toContain("3600 s in the future: this server's clock is behind the sender's");
    expect(future.message).not.toMatch(/ahead/);
  });

  it("accepts a delivery dated exactly 300 s in the future", () => {
    expect(verifyAt(TS - 300).timestamp).toBe(TS);
  });

  it("rejects a delivery dated 301 s in the future", () => {
    const error = expectRejection(() => verifyAt(TS - 301), "timestamp_out_of_range");
    expect(error.skewSeconds).toBe(-301);
    expect(error.message).toContain("in the future");
  });

  it("floors a fractional now, matching whole-second header timestamps", () => {
    expect(verifyAt(TS + 300.9).timestamp).toBe(TS);
  });

  it("honours a custom tolerance, including 0", () => {
    expect(verifyAt(TS, 0).timestamp).toBe(TS);
    expectRejection(() => verifyAt(TS + 1, 0), "timestamp_out_of_range");
    expect(verifyAt(TS + 600, 600).timestamp).toBe(TS);
    expectRejection(() => verifyAt(TS + 601, 600), "timestamp_out_of_range");
  });

  it("applies to scheme B and names its header", () => {
    const run = (now: number) =>
      verifyWebhookSignature({ rawBody: BODY, headers: headersB(`t=${TS},v1=${SIG}`), secrets: [CURRENT_SECRET], now });
    expect(run(TS + 300).scheme).toBe("B");
    const error = expectRejection(() => run(TS + 301), "timestamp_out_of_range");
    expect(error.header).toBe("Anton-Signature");
    expect(error.scheme).toBe("B");
  });

  it("checks the signature before the window: a stale forgery is no_matching_signature", () => {
    expectRejection(
      () => verifyWebhookSignature({ rawBody: BODY, headers: headersA(`v1=${"0".repeat(64)}`), secrets: [CURRENT_SECRET], now: TS + 10_000 }),
      "no_matching_signature",
    );
  });

  it("hints when the sender's timestamp looks like milliseconds", () => {
    const ms = TS * 1000;
    const sig = refSign(CURRENT_SECRET, ms, BODY);
    const error = expectRejection(
      () => verifyWebhookSignature({ rawBody: BODY, headers: headersA(`v1=${sig}`, ms), secrets: [CURRENT_SECRET], now: TS }),
      "timestamp_out_of_range",
    );
    expect(error.message).toContain("milliseconds");
  });
});

describe("timestamp format", () => {
  it.each(["1700000000.5", "-1700000000", "1.7e9", "0x6553f100", "17OO", "+1700000000", "1700000000s", "1234567890123456"])(
    "rejects %j as malformed",
    (value) => {
      const error = expectRejection(
        () => verifyWebhookSignature({ rawBody: BODY, headers: headersA(`v1=${SIG}`, value), secrets: [CURRENT_SECRET], now: TS }),
        "malformed",
      );
      expect(error.header).toBe("X-Webhook-Timestamp");
    },
  );

  it("rejects a non-integer t= in scheme B as malformed", () => {
    expectRejection(
      () => verifyWebhookSignature({ rawBody: BODY, headers: headersB(`t=${TS}.0,v1=${SIG}`), secrets: [CURRENT_SECRET], now: TS }),
      "malformed",
    );
  });

  it("tolerates surrounding whitespace in the timestamp header", () => {
    expect(
      verifyWebhookSignature({ rawBody: BODY, headers: headersA(`v1=${SIG}`, ` ${TS} `), secrets: [CURRENT_SECRET], now: TS }).timestamp,
    ).toBe(TS);
  });
});
