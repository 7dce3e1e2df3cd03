/**
 * A consumer stack: reads the producer stack's `secret` output through a StackReference and
 * writes it to an SSM SecureString parameter. The value stays a Pulumi secret all the way: the
 * producer exports it as a secret, `requireOutput` keeps that flag, and the parameter's value is
 * encrypted in this stack's state and by KMS in AWS.
 *
 * The producer is any stack exporting `secret` (and `fingerprint`) from an AntonWebhookSecret,
 * such as the quickstart. Run `pulumi up` here after each rotation there (or trigger this stack
 * from the producer's pipeline) so the parameter follows.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

// Pulumi runs an exported async function and uses what it returns as the stack outputs, which
// lets the program check the producer before it creates anything.
export = async () => {
  const config = new pulumi.Config();
  const producerStack = config.require("producerStack");
  const producer = new pulumi.StackReference("producer", { name: producerStack });

  // Refuse a producer that exported the secret in plain text: it is already exposed in that
  // stack's state, and copying it on would spread the leak. Fix the producer's export instead.
  const details = await producer.getOutputDetails("secret");
  if (details.secretValue === undefined) {
    throw new Error(
      details.value === undefined
        ? `stack ${producerStack} has no "secret" output; run \`pulumi up\` there first`
        : `stack ${producerStack} exports "secret" as a plain value; export it as a Pulumi secret (an AntonWebhookSecret's secret output already is)`,
    );
  }
  // requireOutput keeps the secret flag the producer recorded.
  const secret = producer.requireOutput("secret") as pulumi.Output<string>;
  const fingerprint = producer.getOutput("fingerprint").apply((f) => (typeof f === "string" ? f : "unknown"));

  const parameter = new aws.ssm.Parameter("anton-webhook-signing-secret", {
    name: config.get("parameterName") ?? "/anton/webhook-signing-secret",
    type: aws.ssm.ParameterType.SecureString,
    value: secret,
    keyId: config.get("kmsKeyId") || undefined,
    description: pulumi.interpolate`Anton webhook signing secret from stack ${producerStack} (fingerprint ${fingerprint})`,
  });

  return {
    parameterArn: parameter.arn,
    parameterName: parameter.name,
    /** Which secret the parameter holds, safe to print; compare with the producer's fingerprint. */
    signingFingerprint: fingerprint,
  };
};
