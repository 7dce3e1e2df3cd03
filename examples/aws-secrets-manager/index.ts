/**
 * Rotates an Anton webhook signing secret every 30 days and publishes it to AWS Secrets Manager
 * as ONE version whose value is JSON `{current, previous, rotatedAt, fingerprint}`.
 *
 * Why one version with both secrets, and not AWSCURRENT/AWSPREVIOUS: a rotation replaces the
 * SecretVersion (its value changed), Pulumi creates the new version before deleting the old one,
 * and deleting a version strips its staging labels, so AWSPREVIOUS can vanish exactly when a
 * receiver needs it. A receiver that loads this JSON accepts signatures made with `current` or
 * `previous` and needs no second lookup (see examples/receiver).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AntonWebhookSecret } from "pulumi-anton";

const config = new pulumi.Config();
const kmsKeyId = config.get("kmsKeyId") || undefined;

const signing = new AntonWebhookSecret("orders-webhook", {
  webhookId: config.require("webhookId"),
  rotateAfter: "30d",
  // Read the outgoing secret before rotating, so `previous` is filled in.
  keepPrevious: true,
});

const store = new aws.secretsmanager.Secret("orders-webhook-signing", {
  name: config.get("secretName") ?? "anton/webhook-signing-secret",
  description: "Anton webhook signing secret, managed by Pulumi (pulumi-anton). Value: JSON {current, previous, rotatedAt, fingerprint}.",
  kmsKeyId,
  // A short window lets a stack be torn down and rebuilt without a name clash; raise it for production.
  recoveryWindowInDays: 7,
});

/** The document receivers load. `pulumi.all` keeps it a secret because `secret`/`previousSecret` are secrets. */
const secretDocument = pulumi
  .all([signing.secret, signing.previousSecret, signing.rotatedAt, signing.fingerprint])
  .apply(([current, previous, rotatedAt, fingerprint]) => JSON.stringify({ current, previous, rotatedAt, fingerprint }));

const version = new aws.secretsmanager.SecretVersion("orders-webhook-signing-current", {
  secretId: store.id,
  // Explicitly secret as well: belt and braces if someone later rebuilds the value from plain parts.
  secretString: pulumi.secret(secretDocument),
});

/** Where receivers read the secret from. */
export const secretArn = store.arn;
export const versionId = version.versionId;
/** Safe to show: which secret is current, without revealing it. */
export const fingerprint = signing.fingerprint;
export const rotatedAt = signing.rotatedAt;
export const nextRotationAt = signing.nextRotationAt;
