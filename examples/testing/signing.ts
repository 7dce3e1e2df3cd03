import * as pulumi from "@pulumi/pulumi";
import { AntonWebhookSecret } from "pulumi-anton";

/** Our team's standard: every webhook secret rotates on a schedule and keeps the previous one for the cutover. */
export function webhookSigning(name: string, args: { webhookId: string; rotateAfter?: string }) {
  const signing = new AntonWebhookSecret(name, { webhookId: args.webhookId, rotateAfter: args.rotateAfter ?? "30d", keepPrevious: true });
  return {
    signing,
    fingerprint: signing.fingerprint,
    // What the receivers' deployment gets: both secrets, as one secret document.
    receiverSecrets: pulumi.secret(pulumi.all([signing.secret, signing.previousSecret]).apply(([current, previous]) => JSON.stringify({ current, previous }))),
  };
}
