/**
 * Scheduled rotation: `rotateAfter` makes the secret due, but only a `pulumi up` rotates it.
 * Pulumi has no clock of its own, so something must run `pulumi up` on a schedule:
 *
 *   - GitHub Actions: copy `.github/workflows/rotate-webhook-secrets.yml` (next to this file) into
 *     your repository's `.github/workflows/`; it runs `pulumi up` daily with credentials from CI secrets.
 *   - Pulumi Deployments: a schedule on the stack (docs/recipes.md, "Schedule it").
 *
 * A daily `pulumi up` is cheap: it makes no Anton request until the secret is due (diff compares
 * `rotatedAt + rotateAfter` with the clock, without calling the API), and then rotates exactly once.
 * `pulumi preview --expect-no-changes` exits non-zero while a rotation is due: that is the drift check.
 */
import * as pulumi from "@pulumi/pulumi";
import { AntonWebhookSecret } from "pulumi-anton";

const config = new pulumi.Config();

const signing = new AntonWebhookSecret("scheduled", {
  webhookId: config.require("webhookId"),
  rotateAfter: config.get("rotateAfter") ?? "30d",
});

/** The current signing secret; a Pulumi secret. */
export const secret = signing.secret;
/** Safe to show: which secret is current, without revealing it. */
export const fingerprint = signing.fingerprint;
export const rotatedAt = signing.rotatedAt;
/** The first scheduled `pulumi up` at or after this time rotates. */
export const nextRotationAt = signing.nextRotationAt;
