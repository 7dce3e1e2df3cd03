/**
 * Leak scan. Canaries: the client secret, the DPoP private key (PEM lines and JWK
 * `d`), every access token, DPoP proof and Basic credential that crossed the wire,
 * and every webhook secret the server issued. The run drives the lifecycle's error
 * paths in-process (chaos faults plus targeted failures), the protocol-level
 * lifecycle through the real plugin, and a Pulumi program under mocks; then scans
 * stdout/stderr (ours and the plugin's), every warn and `pulumi.log` call, every
 * error (message, cause, stack, JSON, inspect), the serialized `__provider`, every
 * output not marked secret, monitoring events, the emulator's log, and the resolved options, shared client and
 * configured provider in every common view (console.log, inspect, JSON, spread, entries). Zero hits;
 * a control case proves the scanner sees a planted canary.
 */
import { createRequire } from "node:module";
import diagnostics_channel from "node:diagnostics_channel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookSecretProvider } from "../../provider/resource/lifecycle";
import { clientFor, closeClients, optionsFor, type ConfigSnapshot } from "../../provider/resource/clients";
import type { WebhookSecretOutputs } from "../../provider/resource/inputs";
import { configOf, GET_SECRET, ROTATE, startAnton, type AntonFixture } from "../support/anton";
import { startPlugin, urnOf, type Props } from "../support/plugin";
import { serializeProvider } from "../support/serialize";
import { runProgram, settle } from "../support/mocks";
import { captureOutput } from "../client/support";
import { runChaos } from "../chaos/support";
import { CanarySet, errorText, objectViews, type Hit } from "./scanner";
import { captureWireCredentials } from "./wire";

const dist = require("../../dist/provider/resource/shim.js") as typeof import("../../provider/resource/shim");
const SECRET_OUTPUTS = new Set(["secret", "previousSecret"]);
/** A client secret that is wrong (so it is refused) but must still never be echoed. */
const WRONG_SECRET = `ant_ocs_sandbox_${"c4" + "a".repeat(46)}`;

/**
 * @pulumi/pulumi's own debug line after RegisterResource prints the engine's response, secret-marked
 * values included (visible with `pulumi up --debug`). Not our code; reported separately, never hidden.
 */
const SDK_DEBUG_ECHO = "pulumi SDK debug: RegisterResource response echo";

const canaries = new CanarySet();
const haystacks: Array<{ where: string; text: string }> = [];
const scanned = (where: string, value: unknown) => haystacks.push({ where, text: typeof value === "string" ? value : JSON.stringify(value) ?? String(value) });
let anton: AntonFixture;
let hits: Hit[] = [];
const counts = { errors: 0, warnings: 0, pulumiLogs: 0, outputs: 0 };

function nonSecret(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([k]) => !SECRET_OUTPUTS.has(k)));
}

function recordError(where: string, err: unknown) {
  counts.errors += 1;
  scanned(`error: ${where}`, errorText(err));
}

beforeAll(async () => {
  const emulatorLog: string[] = [];
  anton = await startAnton({ rateLimit: false, log: (l) => emulatorLog.push(l) });
  const { emulator } = anton;
  canaries.add("client secret", emulator.credentials.clientSecret);
  canaries.add("wrong client secret", WRONG_SECRET);
  canaries.add("private key PEM", emulator.credentials.dpopPrivateKeyPem);
  canaries.add("private key d", String(emulator.credentials.dpopPrivateJwk.d));
  const stopWire = captureWireCredentials(canaries);
  const addSecrets = (s: string[]) => s.forEach((v) => canaries.add("webhook secret", v));
  const events: unknown[] = [];
  const onEvent = (m: unknown) => events.push(m);
  const channels = ["pulumi-anton:request", "pulumi-anton:retry", "pulumi-anton:token", "pulumi-anton:rate-limit"];
  channels.forEach((c) => diagnostics_channel.subscribe(c, onEvent));

  // pulumi.log, wherever the lifecycle reaches it (the program run, and dist's default warn).
  const pulumiLog = createRequire(__filename)("@pulumi/pulumi").log as Record<string, (...a: unknown[]) => unknown>;
  const saved: Record<string, (...a: unknown[]) => unknown> = {};
  for (const level of ["debug", "info", "warn", "error"]) {
    saved[level] = pulumiLog[level]!;
    pulumiLog[level] = (msg: unknown, ...rest: unknown[]) => {
      counts.pulumiLogs += 1;
      const text = String(msg);
      scanned(level === "debug" && text.startsWith("RegisterResource RPC finished") ? SDK_DEBUG_ECHO : `pulumi.log.${level}`, text);
      return saved[level]!(msg, ...rest);
    };
  }

  const warnings: string[] = [];
  try {
    const { output } = await captureOutput(async () => {
      // 1. Chaos: every fault kind, errors and warnings collected.
      await runChaos(emulator, anton.config, {
        rotations: 40,
        webhooks: 5,
        rate: 0.35,
        seed: 11,
        warnings,
        onError: (e) => recordError("chaos", e),
        onServerSecrets: addSecrets,
      });
      await lifecyclePaths(warnings, addSecrets);
      await programPaths(addSecrets);
    });
    scanned("captured stdout/stderr/console (in-process)", output);
    await pluginPaths(addSecrets);
  } finally {
    stopWire();
    channels.forEach((c) => diagnostics_channel.unsubscribe(c, onEvent));
    Object.assign(pulumiLog, saved);
  }
  counts.warnings = warnings.length;
  scanned("lifecycle warn()", warnings.join("\n"));
  scanned("monitoring events", events);
  scanned("emulator log", emulatorLog.join("\n"));
  for (const hook of emulator.state.webhooks()) addSecrets([hook.secret, hook.previousSecret ?? ""]);
  hits = canaries.scan(haystacks);
}, 120_000);

afterAll(async () => {
  await closeClients();
  await anton.emulator.close();
});

/** Targeted lifecycle failures, in-process, through the default client factory. */
async function lifecyclePaths(warnings: string[], addSecrets: (s: string[]) => void) {
  const { emulator } = anton;
  // The real resolution and validation path, with retry waits recorded instead of slept.
  const client = (config: ConfigSnapshot, env: NodeJS.ProcessEnv) => clientFor({ ...optionsFor(config, env), sleep: async () => {} });
  const make = async (config: Record<string, string>) => {
    const p = createWebhookSecretProvider({ env: {}, warn: (m) => warnings.push(m), client });
    await p.configure({ config: configOf(config) });
    return p;
  };
  const attempt = async (where: string, fn: () => Promise<unknown>) => {
    try {
      const r = await fn();
      scanned(`result: ${where}`, nonSecret(((r as { outs?: Props; props?: Props })?.outs ?? (r as { props?: Props })?.props ?? {}) as Props));
      return r;
    } catch (err) {
      recordError(where, err);
      return undefined;
    }
  };
  const good = await make(anton.config);
  const hook = emulator.createWebhook();
  // Objects a user can get hold of, in every common view (console.log, inspect, JSON, spread, entries).
  const options = optionsFor(anton.config as ConfigSnapshot, {});
  const views = { "resolved options": options, "shared client": clientFor(options), "client stats": clientFor(options).stats, "configured provider": good };
  for (const [where, value] of Object.entries(views)) haystacks.push(...objectViews(where, value));

  const wrong = await make({ ...anton.config, "anton:clientSecret": WRONG_SECRET });
  await attempt("wrong client secret", () => wrong.create({ webhookId: hook.id, triggers: {}, rotateAfter: "", keepPrevious: true, adopt: false }));
  await attempt("unknown webhook", () => good.create({ webhookId: "wbh_doesnotexist", triggers: {}, rotateAfter: "", keepPrevious: true, adopt: false }));
  emulator.faults.failNext(10, 500, { route: ROTATE });
  await attempt("rotate keeps failing", () => good.create({ webhookId: hook.id, triggers: {}, rotateAfter: "", keepPrevious: true, adopt: false }));
  emulator.faults.clear();
  emulator.faults.dropAfterCommit(10, { route: ROTATE });
  const created = (await attempt("rotate dropped after commit", () => good.create({ webhookId: hook.id, triggers: {}, rotateAfter: "30d", keepPrevious: true, adopt: false }))) as { id: string; outs: WebhookSecretOutputs } | undefined;
  emulator.faults.clear();
  emulator.faults.failNext(1, 501, { route: GET_SECRET });
  await attempt("no secret endpoint (warn)", () => good.create({ webhookId: hook.id, triggers: {}, rotateAfter: "", keepPrevious: true, adopt: false }));
  addSecrets([emulator.state.currentSecret(hook.id)!, emulator.state.previousSecret(hook.id)!]);
  if (created) {
    addSecrets([emulator.rotateOutOfBand(hook.id)]);
    await attempt("refresh after out-of-band rotation (warn)", () => good.read!(created.id, created.outs));
    emulator.faults.failNext(10, 503, { route: GET_SECRET });
    await attempt("refresh keeps failing", () => good.read!(created.id, created.outs));
    emulator.faults.clear();
  }
  // Configuration errors that carry key material or the secret in the wrong place.
  const checks: Array<[string, Record<string, string>]> = [
    ["key with a mismatched dpopAlg", { ...anton.config, "anton:dpopAlg": "EdDSA" }],
    ["secret pasted into the URL", { ...anton.config, "anton:apiUrl": `https://user:${emulator.credentials.clientSecret}@api.antonpayments.com` }],
    ["secret pasted as the client id", { ...anton.config, "anton:clientId": ` ${emulator.credentials.clientSecret}` }],
    ["private key pasted as the client secret", { ...anton.config, "anton:clientSecret": `${emulator.credentials.dpopPrivateKeyPem}` }],
  ];
  for (const [where, config] of checks) {
    const p = await make(config);
    const res = await p.check!({}, { webhookId: hook.id });
    scanned(`check failures: ${where}`, res.failures);
  }
}

/** A Pulumi program under mocks: outputs not marked secret, exports, state and `__provider`. */
async function programPaths(addSecrets: (s: string[]) => void) {
  const { AntonWebhookSecret } = require("pulumi-anton") as typeof import("../../provider");
  const hook = anton.emulator.createWebhook();
  anton.emulator.faults.failNext(1, 501, { route: GET_SECRET }); // the warn path goes through pulumi.log
  const run = await runProgram(
    () => {
      const s = new AntonWebhookSecret("leak", { webhookId: hook.id, rotateAfter: "30d" });
      return { secret: s.secret, previous: s.previousSecret, fingerprint: s.fingerprint, rotatedAt: s.rotatedAt, next: s.nextRotationAt, key: s.rotationKey };
    },
    { config: anton.config, secretKeys: ["anton:clientSecret", "anton:dpopPrivateKey"] },
  );
  addSecrets([anton.emulator.state.currentSecret(hook.id)!]);
  for (const [name, out] of Object.entries(run.exports)) {
    const settled = await settle(out);
    if (settled.secret) continue;
    counts.outputs += 1;
    scanned(`program export ${name}`, settled.value);
  }
  for (const [name, res] of run.resources) {
    counts.outputs += 1;
    scanned(`program state ${name}`, Object.fromEntries(Object.entries(res.state).filter(([k]) => !res.secretOutputs.includes(k))));
  }
  for (const [name, text] of run.providers) scanned(`__provider (program) ${name}`, text);
}

/** The real plugin over gRPC, credentials only in its environment. */
async function pluginPaths(addSecrets: (s: string[]) => void) {
  const { emulator } = anton;
  const providerText = (await serializeProvider(dist.webhookSecretShim)).text;
  scanned("__provider (serialized shim)", providerText);
  const plugin = await startPlugin({ env: anton.env });
  const grpcErrors: unknown[] = [];
  try {
    await plugin.configure({ "aws:region": "eu-west-1", "anton:apiUrl": emulator.url });
    const hook = emulator.createWebhook();
    const urn = urnOf("leak");
    const news = { webhookId: hook.id, rotateAfter: "30d", __provider: providerText };
    const checked = await plugin.check(urn, {}, news);
    const created = await plugin.create(urn, checked.inputs);
    addSecrets([created.props.secret, created.props.previousSecret]);
    counts.outputs += 1;
    scanned("plugin create outputs (non-secret)", nonSecret(created.props));
    const diff = await plugin.diff(created.id, urn, created.props, { ...checked.inputs, rotateAfter: "60d" });
    scanned("plugin diff", diff);
    const updated = await plugin.update(created.id, urn, created.props, { ...checked.inputs, rotateAfter: "60d" });
    scanned("plugin update outputs (non-secret)", nonSecret(updated));
    addSecrets([emulator.rotateOutOfBand(hook.id)]);
    const read = await plugin.read(created.id, urn, created.props);
    scanned("plugin read outputs (non-secret)", nonSecret(read.props));
    await plugin.delete(created.id, urn, created.props);
    // Failures surface as gRPC errors: their message and details are what the engine prints.
    emulator.faults.failNext(20, 500, { route: ROTATE });
    await plugin.create(urnOf("leak-fail"), checked.inputs).catch((e: unknown) => grpcErrors.push(e));
    emulator.faults.clear();
    emulator.faults.failNext(20, 502, { route: GET_SECRET });
    await plugin.read(created.id, urn, created.props).catch((e: unknown) => grpcErrors.push(e));
    emulator.faults.clear();
    const ghost = emulator.createWebhook();
    emulator.deleteWebhook(ghost.id);
    await plugin.create(urnOf("leak-ghost"), { ...checked.inputs, webhookId: ghost.id }).catch((e: unknown) => grpcErrors.push(e));
    emulator.faults.dropAfterCommit(20, { route: ROTATE });
    await plugin.create(urnOf("leak-drop"), checked.inputs).catch((e: unknown) => grpcErrors.push(e));
    emulator.faults.clear();
    addSecrets([emulator.state.currentSecret(hook.id)!, emulator.state.previousSecret(hook.id)!]);
  } finally {
    await plugin.close();
  }
  expect(grpcErrors.length).toBeGreaterThanOrEqual(3);
  grpcErrors.forEach((e, i) => recordError(`plugin gRPC ${i}`, e));
  scanned("plugin stderr", plugin.stderr());
  scanned("plugin stdout", plugin.stdout());
}

describe("leak scan", () => {
  it("finds zero canaries across every captured surface", () => {
    const names = canaries.names();
    expect(haystacks.filter((h) => h.where.startsWith("pulumi.log.")).length).toBeGreaterThan(0);
    console.log(
      `leak scan: ${canaries.size} canaries ${JSON.stringify(names)}, ${haystacks.length} surfaces, ${counts.errors} errors, ${counts.warnings} warnings, ${counts.pulumiLogs} pulumi.log calls, ${counts.outputs} output sets; hits: ${hits.length}`,
    );
    // The run must have produced the material it claims to have scanned.
    for (const kind of ["client secret", "private key PEM", "private key d", "access token", "DPoP proof", "basic credentials", "webhook secret"]) expect(names[kind], kind).toBeGreaterThan(0);
    expect(names["webhook secret"]).toBeGreaterThan(40);
    expect(counts.errors).toBeGreaterThan(5);
    expect(counts.warnings).toBeGreaterThan(0);
    expect(counts.pulumiLogs).toBeGreaterThan(0);
    expect(haystacks.find((h) => h.where === "plugin stderr")).toBeDefined();
    const ours = hits.filter((h) => h.where !== SDK_DEBUG_ECHO);
    console.log(`leak scan: ${ours.length} hits in this package's surfaces; ${hits.length - ours.length} in ${SDK_DEBUG_ECHO} (Pulumi SDK, debug level only)`);
    expect(ours).toEqual([]);
  });

  it("control: a canary planted on purpose is caught, raw and encoded", () => {
    const token = anton.emulator.state.webhooks()[0]!.secret;
    const planted = [
      { where: "control raw", text: `warning: something ${token} happened` },
      { where: "control base64", text: Buffer.from(`x:${anton.emulator.credentials.clientSecret}`).toString("base64") },
      { where: "control pem line", text: `key: ${anton.emulator.credentials.dpopPrivateKeyPem.split("\n")[2]}` },
      { where: "control clean", text: "nothing to see" },
    ];
    const found = canaries.scan(planted);
    expect(found.map((h) => h.where)).toEqual(["control raw", "control pem line"]);
    // base64 of "x:<secret>" is not base64 of the secret alone; the scanner must catch base64 of the value itself.
    const alone = canaries.scan([{ where: "b64", text: Buffer.from(anton.emulator.credentials.clientSecret).toString("base64") }]);
    expect(alone).toEqual([{ where: "b64", canary: "client secret", encoding: "base64" }]);
  });
});
