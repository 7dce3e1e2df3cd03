/**
 * examples/scheduled-rotation: a daily `pulumi up` rotates exactly when `rotateAfter` has elapsed,
 * and `pulumi preview --expect-no-changes` (a plan with changes) flags a due rotation. Time passing
 * is modelled by ageing the recorded `rotatedAt`, as a stack's state would age between runs.
 * The shipped GitHub Actions workflow is checked for the schedule, the commands, and secrets
 * that come only from CI secrets.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runProgram, settle, type RecordedResource } from "../support/mocks";
import { useAnton } from "../support/anton";
import { loadSerialized } from "../support/serialize";
import { EXAMPLES, issuedSecrets, loadExample, plaintextLeaks } from "./support";

// js-yaml is pinned in package-lock.json (it comes with eslint); only this test parses YAML.
const yaml = require("js-yaml") as { load(text: string): unknown };

type Example = typeof import("../../examples/scheduled-rotation/index");

const PROJECT = "anton-scheduled-rotation";
const DAY = 86_400_000;

const anton = useAnton();

/** The recorded resources as they would look `days` later: only the clock moved. */
function aged(resources: Map<string, RecordedResource>, days: number): Map<string, RecordedResource> {
  const shift = (iso: string) => (iso ? new Date(Date.parse(iso) - days * DAY).toISOString() : iso);
  return new Map(
    [...resources].map(([name, r]) => [
      name,
      { ...r, state: r.type.startsWith("pulumi-nodejs:dynamic") ? { ...r.state, rotatedAt: shift(r.state.rotatedAt), nextRotationAt: shift(r.state.nextRotationAt) } : r.state },
    ]),
  );
}

describe("examples/scheduled-rotation", () => {
  it("a daily up rotates only once rotateAfter has elapsed, and the drift check sees the due rotation", async () => {
    const hook = anton.emulator.createWebhook();
    const opts = { project: PROJECT, config: { ...anton.config, [`${PROJECT}:webhookId`]: hook.id, [`${PROJECT}:rotateAfter`]: "7d" } };

    const first = await runProgram(() => loadExample<Example>("scheduled-rotation"), opts);
    expect(first.resources.get("scheduled")!.inputs).toMatchObject({ webhookId: hook.id, rotateAfter: "7d" });
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);
    const rotatedAt = Date.parse((await settle(first.exports.rotatedAt)).value);
    expect(Date.parse((await settle(first.exports.nextRotationAt)).value)).toBe(rotatedAt + 7 * DAY);

    // Day 6: the scheduled up (and its preview) plan nothing and make no Anton request.
    const requestsBefore = anton.emulator.state.requests.total;
    const day6 = await runProgram(() => loadExample<Example>("scheduled-rotation"), { ...opts, previous: aged(first.resources, 6) });
    expect(day6.resources.get("scheduled")!.op).toBe("same");
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);
    expect(anton.emulator.state.requests.total).toBe(requestsBefore);

    // Day 7: due. `preview --expect-no-changes` would fail on this plan; `up` carries it out once.
    const due = aged(first.resources, 7);
    const diff = await loadProviderDiff(due.get("scheduled")!);
    expect(diff).toMatchObject({ changes: true, replaces: ["rotateAfter"] });
    const day7 = await runProgram(() => loadExample<Example>("scheduled-rotation"), { ...opts, previous: due });
    expect(day7.resources.get("scheduled")!.op).toBe("replace");
    expect(anton.emulator.state.rotations(hook.id)).toBe(2);
    const secret = await settle(day7.exports.secret);
    expect(secret).toEqual({ value: anton.emulator.state.currentSecret(hook.id), secret: true });

    // The next day's run is quiet again: the new secret's clock restarted.
    const day8 = await runProgram(() => loadExample<Example>("scheduled-rotation"), { ...opts, previous: day7.resources });
    expect(day8.resources.get("scheduled")!.op).toBe("same");
    expect(anton.emulator.state.rotations(hook.id)).toBe(2);

    const needles = issuedSecrets([hook.secret, (await settle(first.exports.secret)).value, secret.value]);
    expect(needles).toHaveLength(3);
    for (const run of [first, day6, day7, day8]) expect(await plaintextLeaks(run as never, needles)).toEqual([]);
  });

  it("defaults rotateAfter to 30d", async () => {
    const hook = anton.emulator.createWebhook();
    const run = await runProgram(() => loadExample<Example>("scheduled-rotation"), { project: PROJECT, config: { ...anton.config, [`${PROJECT}:webhookId`]: hook.id } });
    expect(run.resources.get("scheduled")!.inputs.rotateAfter).toBe("30d");
  });
});

/** The provider's own Diff for a recorded resource, as `pulumi preview` would call it. */
async function loadProviderDiff(r: RecordedResource) {
  const provider = loadSerialized(r.provider!);
  await provider.configure?.({ config: anton.configGetter } as never);
  return provider.diff!(r.id, r.state, r.inputs);
}

describe("examples/scheduled-rotation workflow", () => {
  const file = path.join(EXAMPLES, "scheduled-rotation", ".github", "workflows", "rotate-webhook-secrets.yml");
  const text = readFileSync(file, "utf8");
  const wf = yaml.load(text) as {
    on: { schedule: Array<{ cron: string }>; workflow_dispatch?: unknown };
    env: Record<string, string>;
    concurrency: { "cancel-in-progress": boolean };
    permissions: Record<string, string>;
    jobs: Record<string, { needs?: string; if?: string; steps: Array<{ run?: string; uses?: string }> }>;
  };
  const runs = (job: string) => wf.jobs[job].steps.flatMap((s) => (s.run ? [s.run] : []));

  it("runs daily and on demand, never two at once", () => {
    expect(wf.on.schedule).toHaveLength(1);
    // minute hour * * *: once a day.
    expect(wf.on.schedule[0].cron).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);
    expect(wf.on).toHaveProperty("workflow_dispatch");
    expect(wf.concurrency["cancel-in-progress"]).toBe(false);
    expect(wf.permissions).toEqual({ contents: "read" });
  });

  it("runs pulumi up, then a preview --expect-no-changes drift check even when the up failed", () => {
    expect(runs("rotate")).toContain("npm ci");
    expect(runs("rotate").some((r) => /^pulumi up --yes --stack /.test(r))).toBe(true);
    const check = wf.jobs["rotation-due-check"];
    expect(check.needs).toBe("rotate");
    expect(check.if).toContain("always()");
    expect(runs("rotation-due-check").some((r) => /^pulumi preview --expect-no-changes --stack /.test(r))).toBe(true);
  });

  it("takes every credential from CI secrets and nothing secret from plain variables", () => {
    for (const key of ["PULUMI_ACCESS_TOKEN", "ANTON_CLIENT_ID", "ANTON_CLIENT_SECRET", "ANTON_DPOP_PRIVATE_KEY"]) {
      expect(wf.env[key]).toBe(`\${{ secrets.${key} }}`);
    }
    // The variable names match the provider's environment fallbacks.
    expect(Object.keys(wf.env).filter((k) => k.startsWith("ANTON_")).sort()).toEqual(
      ["ANTON_CLIENT_ID", "ANTON_CLIENT_SECRET", "ANTON_DPOP_PRIVATE_KEY", "ANTON_ENVIRONMENT"],
    );
    expect(text).not.toMatch(/whsec_|ant_ocs_|BEGIN [A-Z ]*PRIVATE KEY/);
  });
});
