import { describe, expect, it } from "vitest";
import { safeVerifyWebhookSignature, verifyWebhookSignature } from "../../provider/signature";
import { BODY, CURRENT_SECRET, OTHER_SECRET, PREVIOUS_SECRET, TS, expectRejection, headersA, headersB, refSign } from "./fixtures";

const sigCurrent = refSign(CURRENT_SECRET, TS, BODY);
const sigPrevious = refSign(PREVIOUS_SECRET, TS, BODY);
const sigOther = refSign(OTHER_SECRET, TS, BODY);

function verifyA(signatures: string, secrets: string[]) {
  return verifyWebhookSignature({ rawBody: BODY, headers: headersA(signatures), secrets, now: TS });
}

describe("multiple secrets (receiver holds current + previous)", () => {
  it("reports secretIndex 0 when the delivery is signed with the first secret", () => {
    expect(verifyA(`v1=${sigCurrent}`, [CURRENT_SECRET, PREVIOUS_SECRET]).secretIndex).toBe(0);
  });

  it("reports secretIndex 1 when the delivery is signed with the second secret", () => {
    expect(verifyA(`v1=${sigPrevious}`, [CURRENT_SECRET, PREVIOUS_SECRET]).secretIndex).toBe(1);
  });

  it("reports the lowest matching index when several secrets match", () => {
    expect(verifyA(`v1=${sigPrevious},v1=${sigCurrent}`, [CURRENT_SECRET, PREVIOUS_SECRET]).secretIndex).toBe(0);
    expect(verifyA(`v1=${sigPrevious},v1=${sigCurrent}`, [PREVIOUS_SECRET, CURRENT_SECRET]).secretIndex).toBe(0);
  });

  it("rejects a delivery signed only with a secret that is no longer configured", () => {
    const error = expectRejection(() => verifyA(`v1=${sigOther}`, [CURRENT_SECRET, PREVIOUS_SECRET]), "no_matching_signature");
    expect(error.scheme).toBe("A");
    expect(error.header).toBe("X-Webhook-Signature");
    expect(error.message).toContain("1 v1 signature(s)");
    expect(error.message).toContain("2 configured secret(s)");
  });
});

describe("several v1 entries (sender signs with old and new secret)", () => {
  it.each([
    ["comma", `v1=${sigOther},v1=${sigCurrent}`],
    ["space", `v1=${sigOther} v1=${sigCurrent}`],
    ["comma+space", `v1=${sigOther}, v1=${sigCurrent}`],
    ["tab", `v1=${sigOther}\tv1=${sigCurrent}`],
  ])("scheme A accepts entries separated by %s", (_sep, value) => {
    expect(verifyA(value, [CURRENT_SECRET]).secretIndex).toBe(0);
  });

  it("scheme B accepts repeated v1 pairs", () => {
    const result = verifyWebhookSignature({
      rawBody: BODY,
      headers: headersB(`t=${TS},v1=${sigOther},v1=${sigPrevious}`),
      secrets: [CURRENT_SECRET, PREVIOUS_SECRET],
      now: TS,
    });
    expect(result).toEqual({ scheme: "B", timestamp: TS, secretIndex: 1 });
  });

  it("scheme B accepts the t entry after the signatures", () => {
    const result = verifyWebhookSignature({ rawBody: BODY, headers: headersB(`v1=${sigCurrent},t=${TS}`), secrets: [CURRENT_SECRET], now: TS });
    expect(result.scheme).toBe("B");
  });

  it("ignores unknown versions such as v0 and v2, even when they hold a valid-looking signature", () => {
    expect(verifyA(`v0=${sigOther},v2=${sigOther},v1=${sigCurrent}`, [CURRENT_SECRET]).secretIndex).toBe(0);
    // The correct HMAC under an unknown version name must not be accepted as v1.
    expectRejection(() => verifyA(`v2=${sigCurrent},v1=${sigOther}`, [CURRENT_SECRET]), "no_matching_signature");
  });

  it("is malformed when no v1 entry remains after ignoring unknown versions", () => {
    const error = expectRejection(() => verifyA(`v0=${sigCurrent},v2=${sigCurrent}`, [CURRENT_SECRET]), "malformed");
    expect(error.header).toBe("X-Webhook-Signature");
    const errorB = expectRejection(
      () => verifyWebhookSignature({ rawBody: BODY, headers: headersB(`t=${TS},v2=${sigCurrent}`), secrets: [CURRENT_SECRET], now: TS }),
      "malformed",
    );
    expect(errorB.header).toBe("Anton-Signature");
  });

  it("treats non-hex and wrong-length v1 entries as plain non-matches, still accepting a later valid one", () => {
    expect(verifyA(`v1=zz,v1=${sigCurrent.slice(2)},v1=${sigCurrent}00,v1=,v1=${sigCurrent}`, [CURRENT_SECRET]).secretIndex).toBe(0);
    expectRejection(() => verifyA(`v1=not-hex-at-all`, [CURRENT_SECRET]), "no_matching_signature");
  });

  it("caps the number of v1 entries", () => {
    const many = Array.from({ length: 33 }, () => `v1=${sigOther}`).join(",");
    expectRejection(() => verifyA(`${many},v1=${sigCurrent}`, [CURRENT_SECRET]), "malformed");
    const allowed = Array.from({ length: 31 }, () => `v1=${sigOther}`).join(",");
    expect(verifyA(`${allowed},v1=${sigCurrent}`, [CURRENT_SECRET]).secretIndex).toBe(0);
  });
});

describe("safeVerifyWebhookSignature", () => {
  it("returns ok with the verified fields", () => {
    const result = safeVerifyWebhookSignature({ rawBody: BODY, headers: headersA(`v1=${sigPrevious}`), secrets: [CURRENT_SECRET, PREVIOUS_SECRET], now: TS });
    expect(result).toEqual({ ok: true, scheme: "A", timestamp: TS, secretIndex: 1 });
  });

  it("returns the error instead of throwing for a rejected delivery", () => {
    const result = safeVerifyWebhookSignature({ rawBody: BODY, headers: headersA(`v1=${sigOther}`), secrets: [CURRENT_SECRET], now: TS });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("no_matching_signature");
  });

  it("still throws configuration errors", () => {
    expect(() => safeVerifyWebhookSignature({ rawBody: BODY, headers: headersA(`v1=${sigCurrent}`), secrets: [], now: TS })).toThrow(TypeError);
  });
});
