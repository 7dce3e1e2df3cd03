/**
 * What the engine really does, step by step, when the secret is replaced while other resources
 * consume it: with the default create-before-delete, and with `deleteBeforeReplace: true`.
 * The README's "Replacement order" describes exactly these sequences.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { installedPackage, type RunRecord, TestStack } from "../support/engine";
import { useEngine } from "./support";

const { AntonWebhookSecret } = installedPackage();
const recorder = require(path.join(__dirname, "recorder-provider.cjs")) as pulumi.dynamic.ResourceProvider;

/** A consumer of the secret: `replaceOnChange` like a SecretVersion, otherwise like an SSM parameter. */
class Consumer extends pulumi.dynamic.Resource {
  constructor(name: string, args: { value: pulumi.Input<string>; replaceOnChange: boolean; log: string }, opts?: pulumi.CustomResourceOptions) {
    super(recorder, name, { name, ...args }, opts, "test", "Consumer");
  }
}

const e2e = useEngine();

/** The engine's steps in execution order, as "op name", for everything but the stack itself. */
function sequence(run: RunRecord): string[] {
  return run.events.flatMap((e) => {
    const m = e.resourcePreEvent?.metadata;
    return m && !m.type.startsWith("pulumi:") ? [`${m.op} ${m.urn.split("::").pop()}`] : [];
  });
}

async function replaceWith(deleteBeforeReplace: boolean): Promise<string[]> {
  const hook = e2e.emulator.createWebhook();
  const declared = { release: "1" };
  const log = path.join(e2e.backend.dir, `consumers-${deleteBeforeReplace}.log`);
  const program = async () => {
    const signing = new AntonWebhookSecret("signing", { webhookId: hook.id, triggers: declared }, { deleteBeforeReplace });
    new Consumer("version", { value: signing.secret, replaceOnChange: true, log });
    new Consumer("parameter", { value: signing.secret, replaceOnChange: false, log });
    return {};
  };
  const stack = await TestStack.create(e2e.backend, { project: `order-${deleteBeforeReplace}`, stack: "dev", program, config: e2e.config });
  await stack.up();
  declared.release = "2";
  const run = await stack.up();
  expect(e2e.emulator.state.rotations(hook.id)).toBe(2);
  return sequence(run);
}

describe("replacement order through the real engine", () => {
  // The two consumers' steps run concurrently, so their relative order varies between runs.
  it("default (create-before-delete): the new secret exists before any consumer changes; nothing is deleted first", async () => {
    const steps = await replaceWith(false);
    expect(steps.slice(0, 2)).toEqual(["create-replacement signing", "replace signing"]);
    expect(steps.slice(2, 5).sort()).toEqual(["create-replacement version", "replace version", "update parameter"]);
    expect(steps.indexOf("create-replacement version")).toBeLessThan(steps.indexOf("replace version"));
    expect(steps.slice(5)).toEqual(["delete-replaced version", "delete-replaced signing"]);
  });

  it("deleteBeforeReplace: true deletes a consumer that would be replaced (a SecretVersion) before the new secret exists", async () => {
    const steps = await replaceWith(true);
    expect(steps.slice(0, 4)).toEqual(["delete-replaced version", "delete-replaced signing", "replace signing", "create-replacement signing"]);
    expect(steps.slice(4).sort()).toEqual(["create-replacement version", "replace version", "update parameter"]);
    expect(steps.indexOf("replace version")).toBeLessThan(steps.indexOf("create-replacement version"));
  });
});
