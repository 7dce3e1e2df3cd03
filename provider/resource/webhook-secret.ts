import * as pulumi from "@pulumi/pulumi";
import { webhookSecretShim } from "./shim";

/** Inputs of {@link AntonWebhookSecret}. */
export interface AntonWebhookSecretArgs {
  /** Id of the Anton webhook subscription whose signing secret this resource manages, e.g. `wbh_01HX8Z9K0M2N3P4Q5R6S7T8UW`. */
  webhookId: pulumi.Input<string>;
  /**
   * Arbitrary string pairs; any change rotates the secret (like `random`'s keepers). Use it to
   * tie rotation to a release, a ticket or an incident: `{ incident: "INC-1234" }`.
   */
  triggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Rotation period, such as `"30d"`, `"12h"`, `"90m"` or `"1w2d"` (units m, h, d, w).
   * Once it has elapsed since `rotatedAt`, the next `pulumi preview`/`up` plans a replace,
   * which rotates. No `--refresh` is needed; something must still run `pulumi up`.
   */
  rotateAfter?: pulumi.Input<string>;
  /**
   * Read the current secret just before rotating and expose it as `previousSecret`, so receivers
   * can accept both during the cutover. Default `true`; `false` saves one request per rotation.
   */
  keepPrevious?: pulumi.Input<boolean>;
  /**
   * Bring an existing webhook under management without rotating: create reads the current
   * secret instead (dynamic resources cannot be `pulumi import`ed). Later replaces rotate as usual.
   */
  adopt?: pulumi.Input<boolean>;
}

/**
 * The signing secret of one Anton webhook, rotated when Pulumi creates or replaces this resource.
 *
 * Replaces (and so rotations) come from a changed `webhookId` or `triggers`, an elapsed
 * `rotateAfter`, the `replacementTrigger` resource option, or `pulumi up --replace <urn>`.
 * Deleting the resource makes no API call: a rotation cannot be undone.
 *
 * @example
 * ```ts
 * const signing = new AntonWebhookSecret("orders", { webhookId: "wbh_01HX...", rotateAfter: "30d" });
 * export const fingerprint = signing.fingerprint;
 * ```
 */
export class AntonWebhookSecret extends pulumi.dynamic.Resource {
  /** The current signing secret (`whsec_...`). Always a Pulumi secret. */
  declare public readonly secret: pulumi.Output<string>;
  /** The secret before the last rotation, for the cutover; empty when unknown. Always a Pulumi secret. */
  declare public readonly previousSecret: pulumi.Output<string>;
  /** First 16 hex characters of SHA-256 of `secret`: tells which secret a receiver holds, reveals nothing. */
  declare public readonly fingerprint: pulumi.Output<string>;
  /** When the secret was rotated (or adopted, or found rotated by a refresh), RFC 3339. */
  declare public readonly rotatedAt: pulumi.Output<string>;
  /** When `rotateAfter` makes the next `pulumi up` rotate, RFC 3339; empty without `rotateAfter`. */
  declare public readonly nextRotationAt: pulumi.Output<string>;
  /** The webhook this secret belongs to. */
  declare public readonly webhookId: pulumi.Output<string>;
  /** Idempotency-Key of the rotation that produced `secret` (empty when adopted); quote it to Anton support. */
  declare public readonly rotationKey: pulumi.Output<string>;

  constructor(name: string, args: AntonWebhookSecretArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      webhookId: args.webhookId,
      triggers: args.triggers,
      rotateAfter: args.rotateAfter,
      keepPrevious: args.keepPrevious,
      adopt: args.adopt,
      secret: undefined,
      previousSecret: undefined,
      fingerprint: undefined,
      rotatedAt: undefined,
      nextRotationAt: undefined,
      rotationKey: undefined,
    };
    const secretOutputs = ["secret", "previousSecret"];
    super(
      webhookSecretShim,
      name,
      props,
      { ...opts, additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), ...secretOutputs])] },
      "anton",
      "WebhookSecret",
    );
  }
}
