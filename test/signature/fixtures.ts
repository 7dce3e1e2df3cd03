import { createHmac } from "node:crypto";
import { expect } from "vitest";
import { WebhookVerificationError, type WebhookVerificationErrorCode } from "../../provider/signature";

/** Shapes match Anton's documented secret format (`whsec_` + 64 hex). Test-only values. */
export const CURRENT_SECRET = "whsec_0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
export const PREVIOUS_SECRET = "whsec_ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
export const OTHER_SECRET = "whsec_1111111111111111111111111111111111111111111111111111111111111111";

export const TS = 1_700_000_000;
export const BODY = '{"id":"evt_123","type":"payout.completed"}';

/** Independent reference implementation: raw node:crypto, not the code under test. */
export function hmacHex(secret: string, data: string | Buffer): string {
  return createHmac("sha256", secret).update(data).digest("hex");
}

export function refSign(secret: string, timestamp: number | string, body: string | Buffer): string {
  const prefix = Buffer.from(`${timestamp}.`, "utf8");
  return hmacHex(secret, Buffer.concat([prefix, Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8")]));
}

export function headersA(signatures: string, timestamp: number | string = TS): Record<string, string> {
  return { "x-webhook-signature": signatures, "x-webhook-timestamp": String(timestamp) };
}

export function headersB(value: string): Record<string, string> {
  return { "anton-signature": value };
}

/** Runs `fn`, asserts it threw a WebhookVerificationError with `code`, and returns the error. */
export function expectRejection(fn: () => unknown, code: WebhookVerificationErrorCode): WebhookVerificationError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WebhookVerificationError);
  const error = caught as WebhookVerificationError;
  expect(error.code).toBe(code);
  expect(error.name).toBe("WebhookVerificationError");
  return error;
}
