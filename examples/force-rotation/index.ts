/**
 * Forcing a rotation, four ways (docs/recipes.md, "Force it"):
 *
 *   1. `pulumi up --replace <urn>`         rotate now, and deploy the rest of the stack too;
 *   2. `pulumi up --target-replace <urn>`  rotate now, and touch nothing else;
 *   3. `pulumi config set incident INC-1234 && pulumi up`   a `triggers` bump, recorded in config;
 *   4. `replacementTrigger`                 any value the program computes; here the UTC month, so
 *                                           the first `pulumi up` of each month rotates.
 *
 * The URN to pass is exported as `urn` (`pulumi stack output urn`).
 */
import * as pulumi from "@pulumi/pulumi";
import { AntonWebhookSecret } from "pulumi-anton";

const config = new pulumi.Config();

/**
 * The UTC month, e.g. "2026-11". As a `replacementTrigger` (Pulumi 3.215+) it rotates on the first
 * `pulumi up` of each month: calendar-aligned, unlike `rotateAfter`'s period since the last rotation.
 */
const window = new Date().toISOString().slice(0, 7);

const signing = new AntonWebhookSecret(
  "payments-webhook",
  {
    webhookId: config.require("webhookId"),
    // Any change to a trigger value replaces the resource, which rotates the secret. Triggers are
    // stored and shown in plain text: an incident id, never a secret.
    triggers: { incident: config.get("incident") ?? "none" },
  },
  { replacementTrigger: window },
);

export const rotationWindow = pulumi.output(window);
/** For `pulumi up --replace` / `--target-replace`. */
export const urn = signing.urn;
/** The current signing secret; a Pulumi secret. */
export const secret = signing.secret;
/** Safe to show: which secret is current, without revealing it. */
export const fingerprint = signing.fingerprint;
export const rotatedAt = signing.rotatedAt;
