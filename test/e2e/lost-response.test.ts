/**
 * A rotation that Anton commits but whose response never arrives, during a real `pulumi up`.
 * The state must end up holding the server's secret, with exactly one rotation per intended one.
 */
import { describe, expect, it } from "vitest";
import { installedPackage, stepsFor, TestStack } from "../support/engine";
import { countFrom, exposures, useEngine } from "./support";

const { AntonWebhookSecret } = installedPackage();

const ROTATE = "POST /v1/webhooks/:id/secret/rotate";
const e2e = useEngine();

async function stackFor(project: string, webhookId: string, release: { value: string }): Promise<TestStack> {
  return TestStack.create(e2e.backend, {
    project,
    stack: "dev",
    config: e2e.config,
    program: async () => ({ fingerprint: new AntonWebhookSecret("signing", { webhookId, triggers: { release: release.value } }).fingerprint }),
  });
}

/** The state's secret (decrypted by the CLI) against the server's. */
async function stateMatchesServer(stack: TestStack, webhookId: string): Promise<void> {
  const state = await stack.cli(["stack", "export", "--show-secrets"]);
  const signing = (JSON.parse(state) as { deployment: { resources: Array<{ type: string; outputs?: { secret?: { plaintext?: string } } }> } }).deployment.resources.find(
    (r) => r.type === "pulumi-nodejs:dynamic/anton:WebhookSecret",
  );
  expect(JSON.parse(signing?.outputs?.secret?.plaintext ?? '""')).toBe(e2e.emulator.state.currentSecret(webhookId));
}

describe("a rotation whose response is lost after Anton committed it", () => {
  it("one lost response: the retry with the same Idempotency-Key gets the committed rotation; 1 rotation", async () => {
    const hook = e2e.emulator.createWebhook();
    const release = { value: "1" };
    const stack = await stackFor("lost-once", hook.id, release);
    await stack.up();
    e2e.emulator.faults.dropAfterCommit(1, { route: ROTATE });
    release.value = "2";
    const count = countFrom(e2e.emulator);
    const run = await stack.up();
    expect(count().rotate).toBe(2); // the lost attempt and its replay
    expect(stepsFor(run.events, undefined, "signing")).toContain("replace");
    expect(e2e.emulator.state.rotations(hook.id)).toBe(2); // the create and this one: nothing rotated twice
    await stateMatchesServer(stack, hook.id);
  });

  it("every response lost: the provider reads the secret, finds the rotation applied and records it; 1 rotation", async () => {
    const hook = e2e.emulator.createWebhook();
    const release = { value: "1" };
    const stack = await stackFor("lost-always", hook.id, release);
    await stack.up();
    e2e.emulator.faults.dropAfterCommit(100, { route: ROTATE });
    release.value = "2";
    try {
      const count = countFrom(e2e.emulator);
      await stack.up();
      expect(count().rotate).toBeGreaterThan(1); // every attempt carried the same key
      expect(count().read).toBeGreaterThanOrEqual(2); // keepPrevious's read, then the one that decides
    } finally {
      e2e.emulator.faults.clear();
    }
    expect(e2e.emulator.state.rotations(hook.id)).toBe(2);
    await stateMatchesServer(stack, hook.id);
    expect(e2e.canaries().scan(await exposures(e2e.backend, [stack]))).toEqual([]);
  });
});
