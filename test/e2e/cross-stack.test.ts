/**
 * A producer stack rotates; a consumer stack reads `secret` through a StackReference. Both live on
 * one file backend; StackReference is built into the engine and needs no plugin.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { installedPackage, isCiphertext, TestStack } from "../support/engine";
import { exposures, useEngine } from "./support";

const { AntonWebhookSecret } = installedPackage();

const e2e = useEngine();

describe("cross-stack through the real engine", () => {
  it("the consumer's requireOutput('secret') is secret, and its next `up` after a rotation sees the new secret", async () => {
    const hook = e2e.emulator.createWebhook();
    const release = { value: "1" };
    const producer = await TestStack.create(e2e.backend, {
      project: "producer",
      stack: "prod",
      config: e2e.config,
      program: async () => {
        const signing = new AntonWebhookSecret("signing", { webhookId: hook.id, triggers: { release: release.value } });
        return { secret: signing.secret, fingerprint: signing.fingerprint };
      },
    });
    const seen: { secret?: boolean } = {};
    const consumer = await TestStack.create(e2e.backend, {
      project: "consumer",
      stack: "prod",
      program: async () => {
        const ref = new pulumi.StackReference("producer", { name: "organization/producer/prod" });
        const copied = ref.requireOutput("secret");
        seen.secret = await (copied as unknown as { isSecret: Promise<boolean> }).isSecret;
        return { copied, producerFingerprint: ref.requireOutput("fingerprint") };
      },
    });

    await producer.up();
    await consumer.up();
    expect(seen.secret).toBe(true);
    const stackState = (await consumer.exportState()).find((r) => r.type === "pulumi:pulumi:Stack");
    expect(isCiphertext(stackState?.outputs?.copied)).toBe(true);
    expect((await consumer.shownOutputs()).copied).toBe("[secret]");
    expect((await consumer.stack.outputs()).copied).toEqual({ value: e2e.emulator.state.currentSecret(hook.id), secret: true });

    release.value = "2";
    await producer.up();
    expect(e2e.emulator.state.rotations(hook.id)).toBe(2);
    await consumer.up();
    const outs = await consumer.stack.outputs();
    expect(outs.copied).toEqual({ value: e2e.emulator.state.currentSecret(hook.id), secret: true });
    expect(outs.producerFingerprint!.value).toBe((await producer.resource("signing"))?.outputs?.fingerprint);
    expect(e2e.canaries().scan(await exposures(e2e.backend, [producer, consumer]))).toEqual([]);
  });
});
