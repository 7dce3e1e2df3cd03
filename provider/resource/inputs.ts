/**
 * The resource's wire shapes (what the engine stores) and the validation that
 * `check` runs on them. Everything here is pure: no clock, no network.
 */
import { parseDuration } from "./duration";
import { isWebhookId, WEBHOOK_ID_MAX_BODY } from "../client/webhook-id";

/** The engine's placeholder for a value not known until `up` (preview of a computed input). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Inputs after `check`: defaults applied, types guaranteed (or {@link UNKNOWN} during preview). */
export interface WebhookSecretInputs {
  webhookId: string;
  triggers: Record<string, string>;
  rotateAfter: string;
  keepPrevious: boolean;
  adopt: boolean;
}

/** What `create`, `update` and `read` return; the engine stores it as the resource's outputs. */
export interface WebhookSecretOutputs extends WebhookSecretInputs {
  secret: string;
  previousSecret: string;
  fingerprint: string;
  rotatedAt: string;
  nextRotationAt: string;
  /** The Idempotency-Key of the rotation that produced `secret` (empty when adopted); quote it to Anton support. */
  rotationKey: string;
}

/** A `check` failure in the engine's shape. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** Renders a user-supplied value for an error message: bounded, one line, no control characters. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

/** Validates raw inputs and applies defaults. Unknown (computed) values pass through untouched. */
export function validateInputs(raw: Record<string, unknown>): { inputs: WebhookSecretInputs; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });

  const webhookId = raw.webhookId;
  if (webhookId === undefined || webhookId === null || webhookId === "") {
    fail("webhookId", 'is required: pass the id of the Anton webhook subscription, for example "wbh_01HX8Z9K0M2N3P4Q5R6S7T8UW".');
  } else if (!isUnknown(webhookId) && !isWebhookId(webhookId)) {
    fail(
      "webhookId",
      `${show(webhookId)} is not an Anton webhook id: it must match ^wbh_[A-Za-z0-9]+$ (letters and digits after "wbh_", at most ${WEBHOOK_ID_MAX_BODY}). Copy the id from the Anton portal or from GET /v1/webhooks.`,
    );
  }

  const triggers: Record<string, string> = {};
  const rawTriggers = raw.triggers;
  if (isUnknown(rawTriggers)) {
    // Keep the placeholder: diff treats an unknown trigger map as "may change".
  } else if (rawTriggers !== undefined && rawTriggers !== null) {
    if (typeof rawTriggers !== "object" || Array.isArray(rawTriggers)) {
      fail("triggers", `must be a map of string keys to string values, got ${show(rawTriggers)}. Example: { release: "2026-11" }.`);
    } else {
      for (const [key, value] of Object.entries(rawTriggers as Record<string, unknown>)) {
        if (typeof value === "string") triggers[key] = value;
        else fail(`triggers.${key}`, `must be a string, got a value of type ${value === null ? "null" : typeof value} (values are not echoed: triggers may carry secrets by mistake). Convert it first, e.g. String(value) or JSON.stringify(value).`);
      }
    }
  }

  const rotateAfter = raw.rotateAfter ?? "";
  if (rotateAfter !== "" && !isUnknown(rotateAfter)) {
    const parsed = parseDuration(rotateAfter);
    if (!parsed.ok) fail("rotateAfter", `${show(rotateAfter)} ${parsed.reason}`);
  }

  const flag = (name: "keepPrevious" | "adopt", fallback: boolean): boolean => {
    const value = raw[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value === "boolean") return value;
    if (!isUnknown(value)) fail(name, `must be true or false, got ${show(value)}.`);
    return fallback;
  };

  const inputs: WebhookSecretInputs = {
    webhookId: typeof webhookId === "string" ? webhookId : "",
    triggers: isUnknown(rawTriggers) ? (UNKNOWN as unknown as Record<string, string>) : triggers,
    rotateAfter: typeof rotateAfter === "string" ? rotateAfter.trim() : "",
    keepPrevious: flag("keepPrevious", true),
    adopt: flag("adopt", false),
  };
  return { inputs, failures };
}

/** True when two trigger maps hold the same pairs; an unknown map or value counts as different. */
export function sameTriggers(a: unknown, b: unknown): boolean {
  if (isUnknown(a) || isUnknown(b)) return false;
  const left = (a ?? {}) as Record<string, unknown>;
  const right = (b ?? {}) as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(right, k) && !isUnknown(right[k]) && left[k] === right[k]);
}
