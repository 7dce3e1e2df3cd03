/**
 * The shipped programs through the real engine, with their Pulumi.yaml exactly as written: the root
 * quickstart project (config through the CLI, `secret: true` keys, a missing credential), and the
 * force-rotation and scheduled-rotation examples. They run as inline programs: the Go module proxy
 * does not serve `pulumi-language-nodejs` (see test/support/pulumi-cli.sh).
 */
import { readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { programFile } from "../support/program-file";
import { isCiphertext, ROOT, stepsFor, TestStack } from "../support/engine";
import { countFrom, exposures, useEngine } from "./support";

const { fingerprintOf } = require("pulumi-anton/dynamic") as typeof import("../../provider/dynamic");
const e2e = useEngine();
const created: string[] = [];
afterAll(() => {
  for (const file of created) rmSync(file, { force: true });
});

/** A stack of the project in `dir`, using its own Pulumi.yaml; its stack config file is removed afterwards. */
async function exampleStack(dir: string, project: string, program: string, config?: Record<string, string>): Promise<TestStack> {
  const stack = `e2e-${process.pid}-${created.length}`;
  created.push(path.join(dir, `Pulumi.${stack}.yaml`));
  // The provider's credentials (secrets on stdin) plus the example's own keys.
  const all = config && { ...e2e.config, ...Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value }])) };
  return TestStack.create(e2e.backend, { project, stack, workDir: dir, program: programFile(path.join(dir, program)), config: all });
}

describe("the root quickstart project, configured through the CLI", () => {
  let stack: TestStack;
  let hook: { id: string };

  it("`pulumi config set --secret` stores both credentials encrypted, the PEM through stdin", async () => {
    hook = e2e.emulator.createWebhook();
    stack = await exampleStack(ROOT, "quickstart", "examples/quickstart/index.ts");
    const { clientId, clientSecret, dpopPrivateKeyPem } = e2e.emulator.credentials;
    await stack.cli(["config", "set", "anton:apiUrl", e2e.emulator.url]);
    await stack.cli(["config", "set", "anton:clientId", clientId]);
    await stack.cli(["config", "set", "quickstart:webhookId", hook.id]);
    await stack.cli(["config", "set", "--secret", "anton:clientSecret"], clientSecret);
    await stack.cli(["config", "set", "--secret", "anton:dpopPrivateKey"], dpopPrivateKeyPem);

    const file = readFileSync(stack.workDir + `/Pulumi.${stack.stack.name}.yaml`, "utf8");
    expect(file).toMatch(/anton:clientSecret:\s+secure: /);
    expect(file).toMatch(/anton:dpopPrivateKey:\s+secure: /);
    expect(e2e.canaries().scan([{ where: "stack config file", text: file }])).toEqual([]);
  });

  it("`preview` sends 0 requests and `up` rotates once", async () => {
    const count = countFrom(e2e.emulator);
    const preview = await stack.preview();
    expect(count().total).toBe(0);
    expect(stepsFor(preview.events)).toEqual(["create"]);
    const run = await stack.up();
    expect(count()).toMatchObject({ token: 1, read: 1, rotate: 1 });
    expect(stepsFor(run.events)).toEqual(["create"]);
    expect(e2e.emulator.state.rotations(hook.id)).toBe(1);
    const shown = await stack.shownOutputs();
    expect(shown.secret).toBe("[secret]");
    expect(shown.fingerprint).toBe(fingerprintOf(e2e.emulator.state.currentSecret(hook.id)!));
    const state = await stack.resource("quickstart");
    expect(isCiphertext(state?.outputs?.secret)).toBe(true);
    expect(state?.outputs?.fingerprint).toBe(shown.fingerprint);
  });

  it("bumping quickstart:release rotates once", async () => {
    await stack.cli(["config", "set", "quickstart:release", "2"]);
    const count = countFrom(e2e.emulator);
    await stack.up();
    expect(count().rotate).toBe(1);
    expect(e2e.emulator.state.rotations(hook.id)).toBe(2);
  });

  it("a missing credential fails `preview` naming the key and the environment variable, with 0 requests", async () => {
    await stack.cli(["config", "rm", "anton:clientSecret"]);
    const count = countFrom(e2e.emulator);
    const failure = await stack.preview().then(
      () => "",
      (err: Error) => err.message,
    );
    expect(failure).toContain("anton:clientSecret");
    expect(failure).toContain("ANTON_CLIENT_SECRET");
    expect(failure).toContain("pulumi config set --secret anton:clientSecret");
    expect(count().total).toBe(0);
    expect(e2e.canaries().scan(await exposures(e2e.backend, [stack]))).toEqual([]);
  });
});

describe("examples/force-rotation", () => {
  it("rotates once per forcing action: --target-replace of the exported urn, then an incident bump", async () => {
    const hook = e2e.emulator.createWebhook();
    const stack = await exampleStack(path.join(ROOT, "examples", "force-rotation"), "anton-force-rotation", "index.ts", { webhookId: hook.id });
    await stack.up();
    expect(e2e.emulator.state.rotations(hook.id)).toBe(1);

    const urn = (await stack.cli(["stack", "output", "urn"])).trim();
    let run = await stack.up({ extraArgs: ["--target-replace", urn] });
    expect(stepsFor(run.events)).toContain("replace");
    expect(e2e.emulator.state.rotations(hook.id)).toBe(2);

    await stack.cli(["config", "set", "incident", "INC-1234"]);
    run = await stack.up();
    expect(e2e.emulator.state.rotations(hook.id)).toBe(3);
    run = await stack.up();
    expect(stepsFor(run.events)).toEqual(["same"]);
    expect(e2e.emulator.state.rotations(hook.id)).toBe(3);
  });
});

describe("examples/scheduled-rotation", () => {
  it("a daily `up` is a no-op until rotateAfter elapses, and the drift check says so", async () => {
    const hook = e2e.emulator.createWebhook();
    const stack = await exampleStack(path.join(ROOT, "examples", "scheduled-rotation"), "anton-scheduled-rotation", "index.ts", { webhookId: hook.id, rotateAfter: "1d" });
    await stack.up();
    const count = countFrom(e2e.emulator);
    await expect(stack.preview({ expectNoChanges: true })).resolves.toBeDefined();
    expect((await stack.up()).events.length).toBeGreaterThan(0);
    expect(count().total).toBe(0);

    const clock = { NODE_OPTIONS: `--require ${path.join(ROOT, "test", "support", "clock-offset.cjs")}`, ANTON_TEST_CLOCK_OFFSET_MS: String(25 * 3_600_000) };
    await stack.withEnv(clock, async () => {
      await expect(stack.preview({ expectNoChanges: true })).rejects.toThrow(/no changes were expected/i);
      await stack.up();
    });
    expect(e2e.emulator.state.rotations(hook.id)).toBe(2);
  });
});
