import { randomBytes, randomUUID } from "node:crypto";

const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Random alphanumeric string; rejection sampling keeps the distribution uniform. */
export function randomAlnum(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: bytes above it would bias the first characters.
      if (byte < 248) out += ALNUM[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const hex = (bytes: number): string => randomBytes(bytes).toString("hex");

/** `req_<32 hex>`: randomUUID draws from Node's entropy cache, so this is cheap per request. */
export const requestId = (): string => `req_${randomUUID().replace(/-/g, "")}`;
export const webhookId = (): string => `wbh_${randomAlnum(26)}`;
export const eventId = (): string => `evt_${randomAlnum(26)}`;
export const webhookSecret = (): string => `whsec_${hex(32)}`;
export const clientId = (): string => `ant_oc_sandbox_${hex(16)}`;
export const clientSecret = (): string => `ant_ocs_sandbox_${hex(24)}`;
export const accessToken = (): string => randomBytes(32).toString("base64url");
export const nonceValue = (): string => randomBytes(16).toString("base64url");
