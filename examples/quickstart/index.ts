/**
 * Quickstart: one webhook signing secret, rotated every 30 days or whenever `release` changes.
 *
 *   pulumi config set quickstart:webhookId wbh_...
 *   pulumi config set anton:environment sandbox
 *   pulumi config set anton:clientId ant_oc_...
 *   pulumi config set --secret anton:clientSecret ant_ocs_...
 *   pulumi config set --secret anton:dpopPrivateKey < dpop-private-key.pem
 *   pulumi up
 *
 * `npm run demo` runs exactly this program against the local emulator.
 */
import * as pulumi from "@pulumi/pulumi";
import { AntonWebhookSecret } from "pulumi-anton";

const config = new pulumi.Config();

const signing = new AntonWebhookSecret("quickstart", {
  webhookId: config.require("webhookId"),
  rotateAfter: config.get("rotateAfter") ?? "30d",
  // Bump `quickstart:release` (pulumi config set quickstart:release 2) to rotate on the next `pulumi up`.
  triggers: { release: config.get("release") ?? "1" },
});

/** The current signing secret; a Pulumi secret (`pulumi stack output secret --show-secrets`). */
export const secret = signing.secret;
/** Safe to print: tells which secret a receiver holds without revealing it. */
export const fingerprint = signing.fingerprint;
export const rotatedAt = signing.rotatedAt;
export const nextRotationAt = signing.nextRotationAt;
