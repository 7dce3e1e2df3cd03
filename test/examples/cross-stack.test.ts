/**
 * examples/cross-stack: a consumer stack takes the producer's `secret` through
 * StackReference.requireOutput into an SSM SecureString; secret end to end. The producer's
 * outputs are the real ones of the quickstart program, run first against the emulator.
 */
import type * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProgram, settle, type RecordedResource, type RunOptions } from "../support/mocks";
import { startAnton, type AntonFixture } from "../support/anton";
import { isWireSecret, issuedSecrets, loadExample, plaintextLeaks } from "./support";

const impl = require("pulumi-anton/dynamic") as typeof import("../../provider/dynamic");
type Example = typeof import("../../examples/cross-stack/index");
type Quickstart = typeof import("../../examples/quickstart/index");

const PROJECT = "anton-cross-stack";
const PRODUCER = "acme/quickstart/prod";

let anton: AntonFixture;
let produced: { secret: string; fingerprint: string; initial: string };
beforeAll(async () => {
  anton = await startAnton();
  const hook = anton.emulator.createWebhook();
  const run = await runProgram(() => loadExample<Quickstart>("quickstart"), {
    project: "quickstart",
    config: { ...anton.config, "quickstart:webhookId": hook.id },
  });
  const secret = await settle(run.exports.secret);
  expect(secret.secret).toBe(true);
  produced = { secret: secret.value, fingerprint: (await settle(run.exports.fingerprint)).value, initial: hook.secret };
});
afterAll(async () => {
  await impl.closeClients();
  await anton.emulator.close();
});

function consumer(secretOutputNames: string[], extra: Record<string, string> = {}): RunOptions {
  return {
    project: PROJECT,
    config: { [`${PROJECT}:producerStack`]: PRODUCER, "aws:region": "eu-west-1", ...extra },
    resourceState: (args: pulumi.runtime.MockResourceArgs) => {
      if (args.type === "pulumi:pulumi:StackReference") {
        expect(args.id).toBe(PRODUCER);
        return { outputs: { secret: produced.secret, fingerprint: produced.fingerprint }, secretOutputNames };
      }
      if (args.type === "aws:ssm/parameter:Parameter") return { arn: `arn:aws:ssm:eu-west-1:123456789012:parameter${args.inputs.name}` };
      return undefined;
    },
  };
}

function parameterOf(resources: Map<string, RecordedResource>): RecordedResource {
  const found = [...resources.values()].filter((r) => r.type === "aws:ssm/parameter:Parameter");
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe("examples/cross-stack", () => {
  it("feeds the producer's secret into a SecureString parameter, secret on the wire", async () => {
    const run = await runProgram(() => loadExample<Example>("cross-stack")(), consumer(["secret"]));
    const ref = run.resources.get("producer")!;
    expect(ref.type).toBe("pulumi:pulumi:StackReference");
    expect(ref.inputs.name).toBe(PRODUCER);

    const parameter = parameterOf(run.resources);
    expect(parameter.inputs.type).toBe("SecureString");
    expect(parameter.inputs.name).toBe("/anton/webhook-signing-secret");
    expect(parameter.inputs.keyId).toBeUndefined();
    expect(isWireSecret(parameter.wireInputs.value)).toBe(true);
    expect(parameter.inputs.value.value).toBe(produced.secret);
    expect(parameter.secretOutputs).toContain("value");
    expect(parameter.inputs.description).toContain(produced.fingerprint);

    expect(await settle(run.exports.signingFingerprint)).toEqual({ value: produced.fingerprint, secret: false });
    expect((await settle(run.exports.parameterArn)).value).toBe("arn:aws:ssm:eu-west-1:123456789012:parameter/anton/webhook-signing-secret");
    expect(await plaintextLeaks(run as never, issuedSecrets([produced.secret, produced.initial]))).toEqual([]);
  });

  it("uses the parameter name and KMS key from config", async () => {
    const kms = "alias/anton-webhooks";
    const run = await runProgram(
      () => loadExample<Example>("cross-stack")(),
      consumer(["secret"], { [`${PROJECT}:parameterName`]: "/prod/orders/anton-signing", [`${PROJECT}:kmsKeyId`]: kms }),
    );
    expect(parameterOf(run.resources).inputs).toMatchObject({ name: "/prod/orders/anton-signing", keyId: kms, type: "SecureString" });
  });

  it("refuses a producer that exported the secret in plain text, before creating anything", async () => {
    const seen: string[] = [];
    const options = consumer([]);
    const run = runProgram(() => loadExample<Example>("cross-stack")(), {
      ...options,
      resourceState: (args) => (seen.push(args.type), options.resourceState!(args)),
    });
    await expect(run).rejects.toThrow(`stack ${PRODUCER} exports "secret" as a plain value`);
    expect(seen).toEqual(["pulumi:pulumi:StackReference"]);
  });
});
