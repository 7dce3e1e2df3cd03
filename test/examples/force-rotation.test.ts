/**
 * examples/force-rotation: the monthly replacementTrigger, a triggers bump and --replace each
 * rotate exactly once; a plain re-run within the month rotates nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runProgram, settle, type RecordedResource, type RunResult } from "../support/mocks";
import { startAnton, type AntonFixture } from "../support/anton";
import { issuedSecrets, loadExample, plaintextLeaks } from "./support";

const impl = require("pulumi-anton/dynamic") as typeof import("../../provider/dynamic");
type Example = typeof import("../../examples/force-rotation/index");

const PROJECT = "anton-force-rotation";
const NAME = "payments-webhook";

let anton: AntonFixture;
beforeAll(async () => {
  anton = await startAnton();
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  await impl.closeClients();
  await anton.emulator.close();
});

/** Runs the example as `pulumi up` at a given time (only Date is faked: sockets and timers stay real). */
async function upAt(iso: string, webhookId: string, extra: { incident?: string; previous?: Map<string, RecordedResource>; replace?: string[] } = {}) {
  vi.useFakeTimers({ toFake: ["Date"], now: new Date(iso) });
  const config: Record<string, string> = { ...anton.config, [`${PROJECT}:webhookId`]: webhookId };
  if (extra.incident) config[`${PROJECT}:incident`] = extra.incident;
  const run = await runProgram(() => loadExample<Example>("force-rotation"), { project: PROJECT, config, previous: extra.previous, replace: extra.replace });
  // The fingerprint resolves only once the engine model has recorded the resource.
  await settle(run.exports.fingerprint);
  return run;
}

function op(run: RunResult<unknown>): RecordedResource["op"] {
  return run.resources.get(NAME)!.op;
}

describe("examples/force-rotation", () => {
  it("rotates once per month, per triggers bump and per --replace, and never otherwise", async () => {
    const hook = anton.emulator.createWebhook();
    const rotations = () => anton.emulator.state.rotations(hook.id);
    const secrets: string[] = [hook.secret];

    const first = await upAt("2026-11-03T09:00:00Z", hook.id);
    expect(op(first)).toBe("create");
    expect(rotations()).toBe(1);
    expect(first.resources.get(NAME)!.replacementTrigger).toBe("2026-11");
    expect(await settle(first.exports.rotationWindow)).toEqual({ value: "2026-11", secret: false });
    expect((await settle(first.exports.urn)).value).toBe(`urn:pulumi:dev::${PROJECT}::pulumi-nodejs:dynamic/anton:WebhookSecret::${NAME}`);
    secrets.push(first.resources.get(NAME)!.state.secret);

    const sameMonth = await upAt("2026-11-29T23:59:00Z", hook.id, { previous: first.resources });
    expect(op(sameMonth)).toBe("same");
    expect(rotations()).toBe(1);

    const incident = await upAt("2026-11-30T10:00:00Z", hook.id, { previous: sameMonth.resources, incident: "INC-1234" });
    expect(op(incident)).toBe("replace");
    expect(rotations()).toBe(2);
    expect(incident.resources.get(NAME)!.inputs.triggers).toEqual({ incident: "INC-1234" });
    secrets.push(incident.resources.get(NAME)!.state.secret);

    const nextMonth = await upAt("2026-12-01T00:05:00Z", hook.id, { previous: incident.resources, incident: "INC-1234" });
    expect(op(nextMonth)).toBe("replace");
    expect(rotations()).toBe(3);
    expect(nextMonth.resources.get(NAME)!.replacementTrigger).toBe("2026-12");
    secrets.push(nextMonth.resources.get(NAME)!.state.secret);

    const forced = await upAt("2026-12-02T08:00:00Z", hook.id, { previous: nextMonth.resources, incident: "INC-1234", replace: [NAME] });
    expect(op(forced)).toBe("replace");
    expect(rotations()).toBe(4);
    const final = forced.resources.get(NAME)!.state;
    expect(final.secret).toBe(anton.emulator.state.currentSecret(hook.id));
    expect(final.previousSecret).toBe(secrets.at(-1));
    secrets.push(final.secret);

    expect(new Set(secrets).size).toBe(5);
    for (const run of [first, sameMonth, incident, nextMonth, forced]) {
      expect(await plaintextLeaks(run as never, issuedSecrets(secrets))).toEqual([]);
    }
  });
});
