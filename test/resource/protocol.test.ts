/**
 * Tier 4: the real `@pulumi/pulumi` dynamic-provider plugin, driven over gRPC in
 * the engine's order for each Pulumi command, against the emulator.
 */
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPlugin, urnOf, wrapSecret, type Plugin, type Props } from "../support/plugin";
import { serializeProvider } from "../support/serialize";
import { ROTATE, startAnton, TOKEN, type AntonFixture } from "../support/anton";

const DAY = 86_400_000;
const dist = require("../../dist/provider/resource/shim.js") as typeof import("../../provider/resource/shim");

let anton: AntonFixture;
let providerText: string;
const plugins: Plugin[] = [];

beforeAll(async () => {
  anton = await startAnton();
  providerText = (await serializeProvider(dist.webhookSecretShim)).text;
});
afterEach(async () => {
  await Promise.all(plugins.splice(0).map((p) => p.close()));
  anton.emulator.faults.clear();
});
afterAll(async () => {
  await anton.emulator.close();
});

/** A plugin configured the way the engine configures it: whole namespaced config, secrets wrapped. */
async function plugin(env: NodeJS.ProcessEnv = {}): Promise<Plugin> {
  const p = await startPlugin({ env });
  plugins.push(p);
  await p.configure({
    ...anton.config,
    "anton:clientSecret": wrapSecret(anton.config["anton:clientSecret"]),
    "anton:dpopPrivateKey": wrapSecret(anton.config["anton:dpopPrivateKey"]),
    "aws:region": "eu-west-1",
  });
  return p;
}

const routes = () => ({ ...anton.emulator.state.requests.byRoute });
const requestsSince = (before: Record<string, number>) =>
  Object.fromEntries(Object.entries(routes() as Record<string, number>).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => (v as number) > 0));

/** `pulumi up` of a new resource: Check(olds={}), then Create. */
async function up(p: Plugin, name: string, args: Props, text = providerText) {
  const urn = urnOf(name);
  const news = { ...args, __provider: text };
  const checked = await p.check(urn, {}, news);
  expect(checked.failures).toEqual([]);
  const created = await p.create(urn, checked.inputs);
  return { urn, inputs: checked.inputs, id: created.id, outputs: created.props };
}

describe("engine call order, per Pulumi command", () => {
  it("first up: Configure, Check, Create rotates once and returns plain outputs with __provider", async () => {
    const p = await plugin();
    const hook = anton.emulator.createWebhook();
    const r = await up(p, "first", { webhookId: hook.id, rotateAfter: "30d" });
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);
    expect(r.outputs.secret).toBe(anton.emulator.state.currentSecret(hook.id));
    expect(r.outputs.__provider).toBe(providerText);
    expect(r.outputs.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(Date.parse(r.outputs.nextRotationAt) - Date.parse(r.outputs.rotatedAt)).toBe(30 * DAY);
  });

  it("second up with no change: Check, Diff says none, 0 rotations", async () => {
    const p = await plugin();
    const hook = anton.emulator.createWebhook();
    const r = await up(p, "steady", { webhookId: hook.id, triggers: { v: "1" } });
    const before = routes();
    const checked = await p.check(r.urn, r.inputs, { webhookId: hook.id, triggers: { v: "1" }, __provider: providerText });
    const diff = await p.diff(r.id, r.urn, r.outputs, checked.inputs);
    expect(diff).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
    expect(requestsSince(before)).toEqual({});
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);
  });

  it("a triggers change: Diff replaces, Create new, Delete old with the old __provider; exactly 1 rotation, Delete makes 0 calls", async () => {
    const p = await plugin();
    const hook = anton.emulator.createWebhook();
    // State written by an older build: a different __provider string, still loadable.
    const oldText = `${providerText}\n// written by an earlier pulumi-anton\n`;
    const old = await up(p, "rotating", { webhookId: hook.id, triggers: { v: "1" } }, oldText);
    const news = { webhookId: hook.id, triggers: { v: "2" }, __provider: providerText };
    const checked = await p.check(old.urn, old.inputs, news);
    const diff = await p.diff(old.id, old.urn, old.outputs, checked.inputs);
    expect(diff.changes).toBe("some");
    expect(diff.replaces).toEqual(["triggers"]);
    expect(diff.deleteBeforeReplace).toBe(false);

    const rotationsBefore = anton.emulator.state.rotations(hook.id);
    const recheck = await p.check(old.urn, {}, news); // the engine re-checks without olds for the replacement
    const created = await p.create(old.urn, recheck.inputs);
    expect(anton.emulator.state.rotations(hook.id) - rotationsBefore).toBe(1);
    expect(created.props.secret).toBe(anton.emulator.state.currentSecret(hook.id));
    expect(created.props.previousSecret).toBe(old.outputs.secret);
    expect(created.id).not.toBe(old.id);

    const before = anton.emulator.state.requests.total;
    await p.delete(old.id, old.urn, old.outputs);
    expect(anton.emulator.state.requests.total).toBe(before);
    expect(old.outputs.__provider).toBe(oldText);
    expect(anton.emulator.state.currentSecret(hook.id)).toBe(created.props.secret);
  });

  it("up --replace: Check without olds, Create, Delete old, no Diff; 1 rotation", async () => {
    const p = await plugin();
    const hook = anton.emulator.createWebhook();
    const old = await up(p, "forced", { webhookId: hook.id });
    const checked = await p.check(old.urn, {}, { webhookId: hook.id, __provider: providerText });
    const created = await p.create(old.urn, checked.inputs);
    await p.delete(old.id, old.urn, old.outputs);
    expect(anton.emulator.state.rotations(hook.id)).toBe(2);
    expect(created.props.secret).toBe(anton.emulator.state.currentSecret(hook.id));
  });

  it("rotateAfter elapsed (plugin clock moved 31 days on): Diff replaces without a refresh", async () => {
    const hook = anton.emulator.createWebhook();
    const early = await plugin();
    const old = await up(early, "scheduled", { webhookId: hook.id, rotateAfter: "30d" });
    const clockPreload = path.join(__dirname, "..", "support", "clock-offset.cjs");
    const later = await plugin({ NODE_OPTIONS: `--require ${clockPreload}`, ANTON_TEST_CLOCK_OFFSET_MS: String(31 * DAY) });
    const news = { webhookId: hook.id, rotateAfter: "30d", __provider: providerText };
    const checked = await later.check(old.urn, old.inputs, news);
    expect(await later.diff(old.id, old.urn, old.outputs, checked.inputs)).toEqual({ changes: "some", replaces: ["rotateAfter"], deleteBeforeReplace: false });
    // And 29 days on, nothing is due yet.
    const sooner = await plugin({ NODE_OPTIONS: `--require ${clockPreload}`, ANTON_TEST_CLOCK_OFFSET_MS: String(29 * DAY) });
    expect((await sooner.diff(old.id, old.urn, old.outputs, checked.inputs)).changes).toBe("none");
  });

  it("refresh after an out-of-band rotation: Read returns the new secret and fingerprint", async () => {
    const p = await plugin();
    const hook = anton.emulator.createWebhook();
    const r = await up(p, "refreshed", { webhookId: hook.id });
    const rotated = anton.emulator.rotateOutOfBand(hook.id);
    const read = await p.read(r.id, r.urn, r.outputs, r.inputs);
    expect(read.id).toBe(r.id);
    expect(read.props.secret).toBe(rotated);
    expect(read.props.previousSecret).toBe(r.outputs.secret);
    expect(read.props.fingerprint).not.toBe(r.outputs.fingerprint);
    expect(read.props.__provider).toBe(providerText);
    expect(p.stderr()).toMatch(/rotated outside Pulumi/);
    expect(p.stderr()).not.toContain(rotated);
  });

  it("adopt: 0 rotations, and the secret equals the server's", async () => {
    const p = await plugin();
    const hook = anton.emulator.createWebhook();
    const r = await up(p, "adopted", { webhookId: hook.id, adopt: true });
    expect(anton.emulator.state.rotations(hook.id)).toBe(0);
    expect(r.outputs.secret).toBe(hook.secret);
  });

  it("destroy: Delete makes 0 API calls", async () => {
    const p = await plugin();
    const hook = anton.emulator.createWebhook();
    const r = await up(p, "destroyed", { webhookId: hook.id });
    const before = anton.emulator.state.requests.total;
    await p.delete(r.id, r.urn, r.outputs);
    expect(anton.emulator.state.requests.total).toBe(before);
  });

  it("a preview of 100 resources (Check for new, Check+Diff for existing) makes 0 HTTP requests", async () => {
    const p = await plugin();
    const before = anton.emulator.state.requests.total;
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const urn = urnOf(`preview-${i}`);
        const news = { webhookId: `wbh_preview${i}`, rotateAfter: "30d", __provider: providerText };
        const checked = await p.check(urn, {}, news);
        expect(checked.failures).toEqual([]);
        const olds = { ...checked.inputs, secret: "whsec_x", rotatedAt: new Date().toISOString(), __provider: providerText };
        expect((await p.diff(`id-${i}`, urn, olds, checked.inputs)).changes).toBe("none");
      }),
    );
    expect(anton.emulator.state.requests.total).toBe(before);
  });

  it("100 resources created in one plugin process mint 1 token", async () => {
    const p = await plugin();
    const hooks = Array.from({ length: 100 }, () => anton.emulator.createWebhook());
    const before = routes();
    await Promise.all(hooks.map((h, i) => up(p, `bulk-${i}`, { webhookId: h.id, keepPrevious: false })));
    const used = requestsSince(before);
    console.log(`100 creates in one plugin: ${JSON.stringify(used)}`);
    expect(used[TOKEN]).toBe(1);
    expect(used[ROTATE]).toBe(100);
    for (const h of hooks) expect(anton.emulator.state.rotations(h.id)).toBe(1);
  });

  it("Check fails with the config keys and environment variables to set when credentials are missing", async () => {
    const p = await startPlugin();
    plugins.push(p);
    await p.configure({ "aws:region": "eu-west-1" });
    const checked = await p.check(urnOf("nocreds"), {}, { webhookId: "wbh_abc", __provider: providerText });
    const text = checked.failures.map((f) => `${f.property} ${f.reason}`).join("\n");
    expect(text).toMatch(/anton:clientId|anton:apiUrl/);
    expect(text).toMatch(/ANTON_/);
  });
});
