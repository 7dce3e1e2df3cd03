import { describe, expect, it } from "vitest";
import { WebhookConfigurationError, WebhookVerificationError, verifyWebhookSignature, type VerifyWebhookSignatureInput } from "../../provider/signature";
import { BODY, CURRENT_SECRET, TS, headersA, refSign } from "./fixtures";

const good: VerifyWebhookSignatureInput = {
  rawBody: BODY,
  headers: headersA(`v1=${refSign(CURRENT_SECRET, TS, BODY)}`),
  secrets: [CURRENT_SECRET],
  now: TS,
};

function configError(overrides: Record<string, unknown>): WebhookConfigurationError {
  let caught: unknown;
  try {
    verifyWebhookSignature({ ...good, ...overrides } as VerifyWebhookSignatureInput);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WebhookConfigurationError);
  expect(caught).toBeInstanceOf(TypeError);
  expect(caught).not.toBeInstanceOf(WebhookVerificationError);
  const error = caught as WebhookConfigurationError;
  expect(error.code).toBe("invalid_configuration");
  expect(error.name).toBe("WebhookConfigurationError");
  return error;
}

describe("configuration errors (bugs in the receiver, not bad deliveries)", () => {
  it("rejects an empty secrets array with a message that says how to fix it", () => {
    const error = configError({ secrets: [] });
    expect(error.message).toMatch(/secrets is empty/);
    expect(error.message).toMatch(/current signing secret/);
  });

  it.each([[""], ["   "]])("rejects an empty-string secret %j and names its index", (blank) => {
    expect(configError({ secrets: [CURRENT_SECRET, blank] }).message).toMatch(/secrets\[1\] is empty/);
  });

  it("rejects an undefined entry (unset environment variable)", () => {
    expect(configError({ secrets: [CURRENT_SECRET, undefined] }).message).toMatch(/secrets\[1\] is not a string/);
  });

  it("rejects a secret with a trailing newline instead of silently changing the key", () => {
    expect(configError({ secrets: [`${CURRENT_SECRET}\n`] }).message).toMatch(/whitespace/);
  });

  it("rejects a single secret passed as a string instead of an array", () => {
    expect(configError({ secrets: CURRENT_SECRET }).message).toMatch(/must be an array/);
  });

  it("rejects a parsed JSON body and points at express.raw", () => {
    expect(configError({ rawBody: JSON.parse(BODY) }).message).toMatch(/express\.raw/);
  });

  it("rejects missing headers", () => {
    configError({ headers: undefined });
    configError({ headers: "x-webhook-signature: v1=00" });
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY], ["300"]])("rejects toleranceSeconds %j", (toleranceSeconds) => {
    expect(configError({ toleranceSeconds }).message).toMatch(/toleranceSeconds/);
  });

  it("rejects now given in milliseconds, which would silently disable the window", () => {
    expect(configError({ now: TS * 1000 }).message).toMatch(/milliseconds/);
  });

  it.each([[-5], [Number.NaN], ["1700000000"]])("rejects now %j", (now) => {
    expect(configError({ now }).message).toMatch(/unix seconds/);
  });

  it("rejects a non-boolean allowLegacyScheme", () => {
    configError({ allowLegacyScheme: "yes" });
  });

  it("rejects a non-object input", () => {
    expect(() => verifyWebhookSignature(undefined as unknown as VerifyWebhookSignatureInput)).toThrow(WebhookConfigurationError);
  });

  it("accepts the baseline input (control)", () => {
    expect(verifyWebhookSignature(good).secretIndex).toBe(0);
  });
});
