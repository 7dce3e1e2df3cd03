/**
 * examples/aws-secrets-manager: the rotated secret reaches AWS Secrets Manager as one secret
 * version holding JSON {current, previous, rotatedAt, fingerprint}, and nowhere in plain text.
 */
import { describe, expect, it } from "vitest";
import { runProgram, settle, type RecordedResource, type RunOptions } from "../support/mocks";
import { useAnton } from "../support/anton";
import { isWireSecret, issuedSecrets, loadExample, plaintextLeaks } from "./support";

type Example = typeof import("../../examples/aws-secrets-manager/index");

const PROJECT = "anton-aws-secrets-manager";
const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:anton/webhook-signing-secret-AbCdEf";

const anton = useAnton();

function options(webhookId: string, extra: Record<string, string> = {}): RunOptions {
  return {
    project: PROJECT,
    config: { ...anton.config, [`${PROJECT}:webhookId`]: webhookId, "aws:region": "eu-west-1", ...extra },
    secretKeys: ["anton:clientSecret", "anton:dpopPrivateKey"],
    resourceState: (args) => (args.type === "aws:secretsmanager/secret:Secret" ? { arn: ARN } : args.type === "aws:secretsmanager/secretVersion:SecretVersion" ? { versionId: "v-1" } : undefined),
  };
}

function byType(resources: Map<string, RecordedResource>, type: string): RecordedResource {
  const found = [...resources.values()].filter((r) => r.type === type);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** The secretString the engine was given, checked to be secret on the wire, parsed. */
function document(version: RecordedResource): Record<string, string> {
  expect(isWireSecret(version.wireInputs.secretString)).toBe(true);
  const value = version.inputs.secretString;
  expect(isWireSecret(value)).toBe(true);
  return JSON.parse(value.value);
}

describe("examples/aws-secrets-manager", () => {
  it("writes one secret version with {current, previous, rotatedAt, fingerprint}, as a secret", async () => {
    const hook = anton.emulator.createWebhook();
    const run = await runProgram(() => loadExample<Example>("aws-secrets-manager"), options(hook.id));
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);

    const signing = byType(run.resources, "pulumi-nodejs:dynamic/anton:WebhookSecret");
    expect(signing.inputs).toMatchObject({ rotateAfter: "30d", keepPrevious: true });
    const store = byType(run.resources, "aws:secretsmanager/secret:Secret");
    expect(store.inputs.name).toBe("anton/webhook-signing-secret");
    expect(store.inputs.kmsKeyId).toBeUndefined();

    const version = byType(run.resources, "aws:secretsmanager/secretVersion:SecretVersion");
    expect(version.inputs.secretId).toBe(store.id);
    expect(version.inputs.versionStages).toBeUndefined();
    const doc = document(version);
    expect(Object.keys(doc).sort()).toEqual(["current", "fingerprint", "previous", "rotatedAt"]);
    expect(doc).toEqual({
      current: anton.emulator.state.currentSecret(hook.id),
      previous: hook.secret,
      rotatedAt: signing.state.rotatedAt,
      fingerprint: signing.state.fingerprint,
    });
    expect(version.secretOutputs).toContain("secretString");

    expect(await settle(run.exports.secretArn)).toEqual({ value: ARN, secret: false });
    expect((await settle(run.exports.fingerprint)).value).toBe(doc.fingerprint);
    expect(await plaintextLeaks(run as never, issuedSecrets([hook.secret, doc.current]))).toEqual([]);
  });

  it("after a rotation the new version carries the outgoing secret as previous", async () => {
    const hook = anton.emulator.createWebhook();
    const first = await runProgram(() => loadExample<Example>("aws-secrets-manager"), options(hook.id));
    const before = document(byType(first.resources, "aws:secretsmanager/secretVersion:SecretVersion"));
    const rotated = await runProgram(() => loadExample<Example>("aws-secrets-manager"), {
      ...options(hook.id),
      previous: first.resources,
      replace: ["orders-webhook"],
    });
    expect(anton.emulator.state.rotations(hook.id)).toBe(2);
    const after = document(byType(rotated.resources, "aws:secretsmanager/secretVersion:SecretVersion"));
    expect(after.current).toBe(anton.emulator.state.currentSecret(hook.id));
    expect(after.previous).toBe(before.current);
    expect(after.fingerprint).not.toBe(before.fingerprint);
    expect(await plaintextLeaks(rotated as never, issuedSecrets([hook.secret, before.current, after.current]))).toEqual([]);
  });

  it("encrypts with the KMS key from config when one is given", async () => {
    const hook = anton.emulator.createWebhook();
    const kms = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const run = await runProgram(
      () => loadExample<Example>("aws-secrets-manager"),
      options(hook.id, { [`${PROJECT}:kmsKeyId`]: kms, [`${PROJECT}:secretName`]: "prod/orders/anton-signing" }),
    );
    const store = byType(run.resources, "aws:secretsmanager/secret:Secret");
    expect(store.inputs).toMatchObject({ kmsKeyId: kms, name: "prod/orders/anton-signing" });
  });
});
