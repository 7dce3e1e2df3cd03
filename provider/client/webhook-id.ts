/**
 * The webhook-id rule, shared by the client (before any request) and the resource's `check`.
 *
 * Anton's docs show `wbh_` ids with a 26-character ULID body (`wbh_01HX8Z9K0M2N3P4Q5R6S7T8UW`) and, on older pages,
 * 20-character xids; they state no maximum. 64 letters or digits leaves room for both and more, and still refuses
 * a pasted URL, secret or document before it reaches a request path or an error message.
 */
export const WEBHOOK_ID_MAX_BODY = 64;
export const WEBHOOK_ID = new RegExp(`^wbh_[A-Za-z0-9]{1,${WEBHOOK_ID_MAX_BODY}}$`);

/** Whether `value` is a well-formed webhook id. */
export function isWebhookId(value: unknown): value is string {
  return typeof value === "string" && WEBHOOK_ID.test(value);
}
