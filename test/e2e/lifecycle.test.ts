/**
 * The resource's lifecycle through the real engine: `pulumi up`, a second `up`, a triggers change,
 * `--replace`, `--target-replace`, `replacementTrigger`, an elapsed `rotateAfter`, `preview`,
 * `destroy`. Each step asserts the emulator's counters, the step the engine reported and the state
 * `pulumi stack export` returns.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { installedPackage, isCiphertext, ROOT, stepsFor, TestStack } from "../support/engine";
import { countFrom, exposures, useEngine } from "./support";

const { fingerprintOf } = require("pulumi-anton/dynamic") as typeof import("../../provider/dynamic");

const { AntonWebhookSecret } = installedPackage();

const e2e = useEngine();

/** What the program declares; tests change it between runs. */
interface Declared {
  triggers: Record<string, string>;
  rotateAfter?: string;
  replacementTrigger?: string;
  second: boolean;
}

async function lifecycleStack(webhooks: { first: string; second: string }, declared: Declared): Promise<TestStack> {
  const program = async () => {
    const first = new AntonWebhookSecret(
      "first",
      { webhookId: webhooks.first, triggers: declared.triggers, rotateAfter: declared.rotateAfter },
      declared.replacementTrigger === undefined ? {} : ({ replacementTrigger: declared.replacementTrigger } as pulumi.CustomResourceOptions),
    );
    const out: Record<string, unknown> = { secret: first.secret, previousSecret: first.previousSecret, fingerprint: first.fingerprint, urn: first.urn };
    if (declared.second) out.secondFingerprint = new AntonWebhookSecret("second", { webhookId: webhooks.second }).fingerprint;
    return out;
  };
  return TestStack.create(e2e.backend, { project: "lifecycle", stack: "dev", program, config: e2e.config });
}

/** From `pulumi stack export`: the resource holds the server's current secret (by fingerprint), encrypted. */
async function expectStateMatchesServer(stack: TestStack, name: string, webhookId: string): Promise<void> {
  const state = await stack.resource(name);
  expect(isCiphertext(state?.outputs?.secret)).toBe(true);
  expect(state?.outputs?.fingerprint).toBe(fingerprintOf(e2e.emulator.state.currentSecret(webhookId)!));
}

describe("AntonWebhookSecret through the real engine", () => {
  const declared: Declared = { triggers: { release: "1" }, second: true };
  let stack: TestStack;
  let first: { id: string };
  let second: { id: string };
  let urn: string;

  it("first `up` rotates once; secret and previousSecret are encrypted in state and [secret] in `stack output`", async () => {
    first = e2e.emulator.createWebhook();
    second = e2e.emulator.createWebhook();
    stack = await lifecycleStack({ first: first.id, second: second.id }, declared);
    const count = countFrom(e2e.emulator);
    const run = await stack.up();
    expect(count()).toMatchObject({ token: 1, rotate: 2, read: 2, total: 5 });
    expect(e2e.emulator.state.rotations(first.id)).toBe(1);
    expect(stepsFor(run.events, undefined, "first")).toEqual(["create"]);

    const state = await stack.resource("first");
    expect(isCiphertext(state?.outputs?.secret)).toBe(true);
    expect(isCiphertext(state?.outputs?.previousSecret)).toBe(true);
    expect(state?.outputs?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    const shown = await stack.shownOutputs();
    expect(shown.secret).toBe("[secret]");
    expect(shown.previousSecret).toBe("[secret]");
    expect(shown.fingerprint).toBe(state?.outputs?.fingerprint);

    // The values behind the ciphertext are the server's.
    const outs = await stack.stack.outputs();
    expect(outs.secret).toEqual({ value: e2e.emulator.state.currentSecret(first.id), secret: true });
    urn = outs.urn!.value as string;
  });

  it("`__provider` is a require of the installed provider module, holding no credential and no secret", async () => {
    const state = await stack.resource("first");
    const provider = state?.inputs?.__provider;
    expect(typeof provider).toBe("string"); // plain: it captured nothing secret
    // Installed from npm, the provider is stored as a require of its module, not as code.
    expect((provider as string).length).toBeLessThan(512);
    expect(provider).toContain('require("pulumi-anton/provider")');
    for (const v of [e2e.config["anton:clientId"]!.value, e2e.config["anton:apiUrl"]!.value]) expect(provider).not.toContain(v);
    expect(e2e.canaries().scan([{ where: "__provider", text: provider as string }])).toEqual([]);
  });

  it("`up` again with nothing changed: 0 requests, step `same`", async () => {
    const count = countFrom(e2e.emulator);
    const run = await stack.up();
    expect(count().total).toBe(0);
    expect(stepsFor(run.events, undefined, "first")).toEqual(["same"]);
    await expectStateMatchesServer(stack, "first", first.id);
  });

  it("`preview` of a changed trigger plans a replace and sends 0 requests", async () => {
    declared.triggers = { release: "2" };
    const count = countFrom(e2e.emulator);
    const run = await stack.preview();
    expect(count().total).toBe(0);
    expect(stepsFor(run.events, undefined, "first")).toContain("replace");
    await expectStateMatchesServer(stack, "first", first.id); // nothing rotated, nothing recorded
  });

  it("`up` with the changed trigger rotates once; previousSecret is the old secret", async () => {
    const old = e2e.emulator.state.currentSecret(first.id);
    const count = countFrom(e2e.emulator);
    const run = await stack.up();
    expect(count()).toMatchObject({ rotate: 1, read: 1 });
    expect(stepsFor(run.events, undefined, "first")).toEqual(expect.arrayContaining(["create-replacement", "replace", "delete-replaced"]));
    const outs = await stack.stack.outputs();
    expect(outs.previousSecret).toEqual({ value: old, secret: true });
    expect(outs.secret).toEqual({ value: e2e.emulator.state.currentSecret(first.id), secret: true });
    expect(e2e.emulator.state.rotations(first.id)).toBe(2);
    await expectStateMatchesServer(stack, "first", first.id);
  });

  it("`up --replace <urn>` rotates once", async () => {
    const count = countFrom(e2e.emulator);
    const run = await stack.up({ replace: [urn] });
    expect(count()).toMatchObject({ rotate: 1 });
    expect(stepsFor(run.events, undefined, "first")).toContain("replace");
    expect(stepsFor(run.events, undefined, "second")).toEqual(["same"]);
    expect(e2e.emulator.state.rotations(first.id)).toBe(3);
    await expectStateMatchesServer(stack, "first", first.id);
    await expectStateMatchesServer(stack, "second", second.id);
  });

  it("`up --target-replace <urn>` rotates once and leaves the other resource untouched", async () => {
    const secondState = await stack.resource("second");
    const count = countFrom(e2e.emulator);
    const run = await stack.up({ extraArgs: ["--target-replace", urn] });
    expect(count()).toMatchObject({ rotate: 1 });
    expect(stepsFor(run.events, undefined, "first")).toContain("replace");
    // The engine reports an untargeted resource as `same` and does not call its provider.
    expect(stepsFor(run.events, undefined, "second")).toEqual(["same"]);
    expect(e2e.emulator.state.rotations(first.id)).toBe(4);
    expect(e2e.emulator.state.rotations(second.id)).toBe(1);
    expect((await stack.resource("second"))?.outputs?.fingerprint).toBe(secondState?.outputs?.fingerprint);
    await expectStateMatchesServer(stack, "first", first.id);
  });

  it("a changed `replacementTrigger` rotates once; the same value again rotates nothing", async () => {
    declared.replacementTrigger = "2026-12";
    // The engine does not replace when a replacementTrigger first appears, only when its value changes.
    const before = e2e.emulator.state.rotations(first.id);
    let count = countFrom(e2e.emulator);
    let run = await stack.up();
    expect(count().rotate).toBe(0);
    count = countFrom(e2e.emulator);
    run = await stack.up();
    expect(count().rotate).toBe(0);
    expect(stepsFor(run.events, undefined, "first")).toEqual(["same"]);

    declared.replacementTrigger = "2027-01";
    count = countFrom(e2e.emulator);
    run = await stack.up();
    expect(count().rotate).toBe(1);
    expect(stepsFor(run.events, undefined, "first")).toContain("replace");
    expect(e2e.emulator.state.rotations(first.id)).toBe(before + 1);
    await expectStateMatchesServer(stack, "first", first.id);
  });

  it("an elapsed `rotateAfter` fails `preview --expect-no-changes` and rotates once on `up`, without --refresh", async () => {
    declared.rotateAfter = "30d";
    await stack.up(); // records the period (an in-place update, no request)
    const rotations = e2e.emulator.state.rotations(first.id);
    await expect(stack.preview({ expectNoChanges: true })).resolves.toBeDefined();

    // A test-only preload moves the plugin's clock 31 days ahead; the product has no clock hook.
    const clock = { NODE_OPTIONS: `--require ${path.join(ROOT, "test", "support", "clock-offset.cjs")}`, ANTON_TEST_CLOCK_OFFSET_MS: String(31 * 86_400_000) };
    await stack.withEnv(clock, async () => {
      const count = countFrom(e2e.emulator);
      await expect(stack.preview({ expectNoChanges: true })).rejects.toThrow(/no changes were expected/i);
      expect(count().total).toBe(0);
      const run = await stack.up();
      expect(count().rotate).toBe(1);
      expect(stepsFor(run.events, undefined, "first")).toContain("replace");
      expect(e2e.emulator.state.rotations(first.id)).toBe(rotations + 1);
      await expectStateMatchesServer(stack, "first", first.id);
      // The new rotation restarts the period: nothing is due any more, even on the moved clock.
      await expect(stack.preview({ expectNoChanges: true })).resolves.toBeDefined();
    });
  });

  it("no plaintext secret or credential in the engine's output or the exported state", async () => {
    const canaries = e2e.canaries();
    // 7 secrets of `first` (the original and 6 rotations) and 2 of `second`.
    expect(canaries.names()["webhook secret"]).toBe(9);
    expect(canaries.scan(await exposures(e2e.backend, [stack]))).toEqual([]);
  });

  it("`destroy` sends 0 requests and leaves the secrets valid at Anton", async () => {
    const secret = e2e.emulator.state.currentSecret(first.id);
    const count = countFrom(e2e.emulator);
    const run = await stack.destroy();
    expect(count().total).toBe(0);
    expect(stepsFor(run.events, undefined, "first")).toEqual(["delete"]);
    expect(await stack.exportState()).toEqual([]);
    expect(e2e.emulator.state.currentSecret(first.id)).toBe(secret);
  });
});
