/**
 * `pulumi refresh` after changes made at Anton, and `adopt: true`, through the real engine.
 */
import { describe, expect, it } from "vitest";
import { diagnostics, installedPackage, stepsFor, summary, TestStack } from "../support/engine";
import { countFrom, exposures, useEngine } from "./support";

const { AntonWebhookSecret } = installedPackage();
const { fingerprintOf } = require("pulumi-anton/dynamic") as typeof import("../../provider/dynamic");

const e2e = useEngine();

async function stackOf(name: string, resources: Array<{ name: string; webhookId: string; adopt?: boolean }>): Promise<TestStack> {
  const program = async () => {
    const out: Record<string, unknown> = {};
    for (const r of resources) out[r.name] = new AntonWebhookSecret(r.name, { webhookId: r.webhookId, adopt: r.adopt }).fingerprint;
    return out;
  };
  return TestStack.create(e2e.backend, { project: name, stack: "dev", program, config: e2e.config });
}

describe("refresh and adopt through the real engine", () => {
  it("`refresh` after an out-of-band rotation records the server's secret and warns with fingerprints only", async () => {
    const hook = e2e.emulator.createWebhook();
    const stack = await stackOf("refresh", [{ name: "orders", webhookId: hook.id }]);
    await stack.up();
    const before = (await stack.stack.outputs()).orders!.value as string;
    const portal = e2e.emulator.rotateOutOfBand(hook.id); // as a person in the Anton portal would

    const count = countFrom(e2e.emulator);
    const run = await stack.refresh();
    expect(count()).toMatchObject({ token: 1, read: 1, rotate: 0 });
    expect(stepsFor(run.events, undefined, "orders")).toEqual(["refresh"]);
    // The engine counts a refresh that changed only outputs as unchanged: the warning is what tells.
    expect(summary(run.events)).toEqual({ same: 2 });
    // The plugin's warnings reach the engine through its stderr: shown under Diagnostics as "warning: ...".
    const warnings = diagnostics(run.events).join("\n");
    expect(warnings).toContain(`warning: [runtime] The signing secret of ${hook.id} was rotated outside Pulumi (fingerprint ${before} -> ${fingerprintOf(portal)})`);

    const state = await stack.resource("orders");
    expect(state?.outputs?.fingerprint).toBe(fingerprintOf(portal));
    expect(e2e.canaries().scan(await exposures(e2e.backend, [stack]))).toEqual([]);

    // A second refresh finds nothing new: no warning, no change.
    const again = await stack.refresh();
    expect(summary(again.events)).toEqual({ same: 2 });
    expect(count()).toMatchObject({ token: 2, read: 2, rotate: 0 });
    expect(diagnostics(again.events)).toEqual([]);
  });

  it("`refresh` after the webhook was deleted at Anton removes the resource from the state", async () => {
    const keep = e2e.emulator.createWebhook();
    const gone = e2e.emulator.createWebhook();
    const stack = await stackOf("deleted", [
      { name: "keep", webhookId: keep.id },
      { name: "gone", webhookId: gone.id },
    ]);
    await stack.up();
    e2e.emulator.deleteWebhook(gone.id);

    const run = await stack.refresh();
    expect(summary(run.events)).toEqual({ same: 2, delete: 1 });
    expect(await stack.resource("gone")).toBeUndefined();
    expect(await stack.resource("keep")).toBeDefined();
  });

  it("`adopt: true` records the current secret with 0 rotations", async () => {
    const hook = e2e.emulator.createWebhook();
    const stack = await stackOf("adopt", [{ name: "legacy", webhookId: hook.id, adopt: true }]);
    const count = countFrom(e2e.emulator);
    const run = await stack.up();
    expect(count()).toMatchObject({ rotate: 0, read: 1, token: 1 });
    expect(stepsFor(run.events, undefined, "legacy")).toEqual(["create"]);
    expect(e2e.emulator.state.rotations(hook.id)).toBe(0);
    expect((await stack.resource("legacy"))?.outputs?.fingerprint).toBe(fingerprintOf(hook.secret));
  });
});
