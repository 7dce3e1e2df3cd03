/**
 * End to end: the emulator delivers signed test events over real HTTP to the example receiver while
 * the REAL Pulumi dynamic-provider plugin rotates the secret through `AntonWebhookSecret`, twice.
 * The receiver's secrets file is rewritten from the resource's outputs in the AWS example's JSON shape.
 *
 * Every request sent to the receiver is either a genuine delivery or a forgery. The contract:
 * zero genuine deliveries rejected, zero forgeries accepted, across every cutover window.
 *
 * Time is virtual (emulator, receiver, DPoP proofs and the plugin process share one offset), so
 * moving past the grace period takes no waiting.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSignatureHeaders } from "pulumi-anton";
import { createReceiver, type ReceiverServer } from "../../examples/receiver/receiver";
import { fileSecretsSource } from "../../examples/receiver/secrets";
import { startAnton, ROTATE, type AntonFixture } from "../support/anton";
import { startPlugin, urnOf, wrapSecret, type Plugin, type Props } from "../support/plugin";
import { serializeProvider } from "../support/serialize";
import { awsSecretDocument, closeServer, listen, post, secretsFile, tap, TestDeliveryTrigger, VirtualClock, type Captured } from "./support";

const GRACE_SECONDS = 3600;
const TOLERANCE_SECONDS = 300;
const CANARY = "CANARY-BODY-7f3a9c";
const clockPreload = path.join(__dirname, "..", "support", "clock-offset.cjs");
const dist = require("../../dist/provider/resource/shim.js") as typeof import("../../provider/resource/shim");

let providerText: string;
beforeAll(async () => {
  providerText = (await serializeProvider(dist.webhookSecretShim)).text;
});

interface Outcome {
  label: string;
  kind: "genuine" | "forged";
  status: number | undefined;
}

describe.each(["A", "B"] as const)("rotation with a live receiver (signature scheme %s)", (scheme) => {
  const clock = new VirtualClock();
  const file = secretsFile();
  const ledger: Outcome[] = [];
  const processed: { id: string; secretIndex: number }[] = [];
  const logs: string[] = [];
  const plugins: Plugin[] = [];
  let anton: AntonFixture;
  let receiver: ReceiverServer;
  let captured: Captured[];
  let receiverUrl: string;
  let trigger: TestDeliveryTrigger;
  let forgedSeq = 0;

  beforeAll(async () => {
    anton = await startAnton({ graceSeconds: GRACE_SECONDS, signatureScheme: scheme, now: clock.nowMs });
    const source = fileSecretsSource(file.path);
    receiver = createReceiver({
      secrets: source.get,
      toleranceSeconds: TOLERANCE_SECONDS,
      now: clock.nowMs,
      log: (line) => logs.push(line),
      onEvent: (event, delivery) => void processed.push({ id: event.id, secretIndex: delivery.secretIndex }),
    });
    captured = tap(receiver);
    receiverUrl = await listen(receiver);
    trigger = new TestDeliveryTrigger(anton.emulator, clock);
  });
  afterAll(async () => {
    await Promise.all(plugins.map((p) => p.close()));
    await closeServer(receiver);
    await anton.emulator.close();
  });

  /** The plugin process, on the same virtual clock as everything else. */
  async function plugin(): Promise<Plugin> {
    const p = await startPlugin({ env: { NODE_OPTIONS: `--require ${clockPreload}`, ANTON_TEST_CLOCK_OFFSET_MS: String(clock.offsetMs) } });
    plugins.push(p);
    await p.configure({
      ...anton.config,
      "anton:clientSecret": wrapSecret(anton.config["anton:clientSecret"]),
      "anton:dpopPrivateKey": wrapSecret(anton.config["anton:dpopPrivateKey"]),
    });
    return p;
  }

  /** Genuine: the emulator signs and delivers a test event; its answer carries the receiver's status. */
  async function deliver(label: string, n = 1): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await trigger.send(webhookId);
      ledger.push({ label, kind: "genuine", status: res.status });
      ids.push(res.event_id);
    }
    return ids;
  }

  async function send(label: string, kind: Outcome["kind"], body: Buffer | string, headers: Record<string, string | string[] | undefined>): Promise<number> {
    const res = await post(receiverUrl, body, headers);
    ledger.push({ label, kind, status: res.status });
    return res.status;
  }

  const nowSeconds = () => Math.floor(clock.nowMs() / 1000);

  /** A fresh event signed with `secrets` at now + `skewSeconds`, in the emulator's scheme. */
  function signedEvent(secrets: string[], skewSeconds = 0, prefix = "evt_forged"): { id: string; body: string; headers: Record<string, string> } {
    const id = `${prefix}${scheme}${++forgedSeq}`;
    const body = JSON.stringify({ id, type: "payout.completed", created_at: new Date(clock.nowMs()).toISOString(), data: { note: CANARY } });
    const headers = createSignatureHeaders({ secrets, body, timestamp: nowSeconds() + skewSeconds, scheme, eventId: scheme === "A" ? id : undefined });
    return { id, body, headers: { "content-type": "application/json", ...headers } };
  }

  const lastDelivery = (): Captured => captured.filter((c) => c.headers["user-agent"] === "AntonPayments-Webhook/1.0").at(-1)!;
  const signatureCount = (c: Captured) => {
    const header = String(scheme === "A" ? c.headers["x-webhook-signature"] : c.headers["anton-signature"]);
    return header.split(",").filter((part) => part.trim().startsWith("v1=")).length;
  };

  /** The forgeries every phase must reject, whatever secrets the receiver holds at the time. */
  async function forgeries(phase: string, heldSecret: string): Promise<void> {
    const wrong = signedEvent([`whsec_${randomBytes(32).toString("hex")}`]);
    expect(await send(`${phase}: wrong secret`, "forged", wrong.body, wrong.headers)).toBe(401);

    const genuine = lastDelivery();
    const tampered = Buffer.from(genuine.body.toString("utf8").replace('"type":"test"', '"type":"payout.completed"'));
    expect(tampered.equals(genuine.body)).toBe(false);
    expect(await send(`${phase}: tampered body`, "forged", tampered, genuine.headers)).toBe(401);

    const stale = signedEvent([heldSecret], -(TOLERANCE_SECONDS + 1));
    expect(await send(`${phase}: old timestamp, right secret`, "forged", stale.body, stale.headers)).toBe(401);
    const future = signedEvent([heldSecret], TOLERANCE_SECONDS + 60);
    expect(await send(`${phase}: future timestamp, right secret`, "forged", future.body, future.headers)).toBe(401);

    // Re-dating a genuine delivery: the new timestamp is covered by the signature, so it cannot be swapped.
    if (scheme === "A") {
      const redated = { ...genuine.headers, "x-webhook-timestamp": String(nowSeconds() + 1) };
      expect(await send(`${phase}: re-dated timestamp`, "forged", genuine.body, redated)).toBe(401);
    } else {
      const header = String(genuine.headers["anton-signature"]).replace(/t=\d+/, `t=${nowSeconds() + 1}`);
      expect(await send(`${phase}: re-dated timestamp`, "forged", genuine.body, { ...genuine.headers, "anton-signature": header })).toBe(401);
    }

    const unsigned = signedEvent([heldSecret]);
    const bare = { "content-type": "application/json" };
    expect(await send(`${phase}: no signature headers`, "forged", unsigned.body, bare)).toBe(400);
    if (scheme === "A") {
      const { ["X-Webhook-Timestamp"]: _t, ...noTimestamp } = unsigned.headers;
      expect(await send(`${phase}: signature without timestamp`, "forged", unsigned.body, noTimestamp)).toBe(400);
    } else {
      const noT = { ...unsigned.headers, "Anton-Signature": unsigned.headers["Anton-Signature"]!.replace(/t=\d+,/, "") };
      expect(await send(`${phase}: signature without t=`, "forged", unsigned.body, noT)).toBe(400);
    }
  }

  let webhookId: string;
  let s0: string;
  let outputs1: Props;
  let early: Captured;

  it("before any rotation: the receiver holds the portal secret and accepts every delivery", async () => {
    const hook = anton.emulator.createWebhook({ url: receiverUrl });
    webhookId = hook.id;
    s0 = hook.secret;
    // Before Pulumi manages it, the secret came from the portal; the document has the same shape.
    file.write(JSON.stringify({ current: s0, previous: "", rotatedAt: hook.createdAt, fingerprint: "" }));
    await deliver("before", 3);
    early = lastDelivery();
    expect(signatureCount(early)).toBe(1);
    await forgeries("before", s0);
  });

  it("rotation 1 through AntonWebhookSecret (real plugin): the emulator then signs with new and old secrets", async () => {
    const p = await plugin();
    const urn = urnOf(`receiver-${scheme}`);
    const checked = await p.check(urn, {}, { webhookId, triggers: { rotation: "1" }, __provider: providerText });
    expect(checked.failures).toEqual([]);
    const created = await p.create(urn, checked.inputs);
    outputs1 = { ...created.props, urn, id: created.id, inputs: checked.inputs };
    expect(anton.emulator.state.requests.byRoute[ROTATE]).toBe(1);
    expect(created.props.secret).toBe(anton.emulator.state.currentSecret(webhookId));
    expect(created.props.previousSecret).toBe(s0);

    // Cutover, receivers not updated yet: they hold only the old secret, the grace period keeps them working.
    await deliver("cutover, receiver holds old only", 3);
    expect(signatureCount(lastDelivery())).toBe(2);
    await forgeries("cutover, receiver holds old only", s0);
  });

  it("receivers pick up {current, previous} from the outputs while deliveries are in flight", async () => {
    const inFlight = Promise.all([deliver("during file update", 2), deliver("during file update", 2)]);
    file.write(awsSecretDocument(outputs1 as any));
    await inFlight;
    await deliver("cutover, receiver holds both", 3);
    expect(signatureCount(lastDelivery())).toBe(2);
    // Matched by the current secret: index 0.
    expect(processed.at(-1)!.secretIndex).toBe(0);

    // A retry Anton signed before the rotation, arriving now: only the previous secret verifies it.
    const late = signedEvent([s0], 0, "evt_lateretry");
    expect(await send("late retry signed with the old secret", "genuine", late.body, late.headers)).toBe(202);
    expect(processed.at(-1)).toEqual({ id: late.id, secretIndex: 1 });
    expect(logs.some((l) => l.includes(`event_id=${late.id}`) && l.includes("secret_index=1"))).toBe(true);
    await forgeries("cutover, receiver holds both", outputs1.secret);
  });

  it("after the grace period the emulator signs with the new secret only, and the receiver with both still accepts", async () => {
    clock.advance(GRACE_SECONDS + 60);
    await deliver("after grace, receiver holds both", 3);
    expect(signatureCount(lastDelivery())).toBe(1);
    expect(processed.at(-1)!.secretIndex).toBe(0);
    // A delivery captured before the rotation, replayed byte for byte: too old.
    expect(await send("replay of a pre-rotation delivery", "forged", early.body, early.headers)).toBe(401);
  });

  it("dropping previous: a delivery signed only with the rotated-out secret is refused", async () => {
    file.write(awsSecretDocument({ ...(outputs1 as any), previousSecret: "" }));
    await deliver("previous dropped", 3);
    const old = signedEvent([s0]);
    expect(await send("signed only with the rotated-out secret, after the grace period", "forged", old.body, old.headers)).toBe(401);
    await forgeries("previous dropped", outputs1.secret);
  });

  it("rotation 2 (a replace, later on the virtual clock): the same cutover again, no gap", async () => {
    const p = await plugin();
    const { urn, id, inputs } = outputs1 as any;
    const news = { webhookId, triggers: { rotation: "2" }, __provider: providerText };
    const rechecked = await p.check(urn, inputs, news);
    const olds = Object.fromEntries(Object.entries(outputs1).filter(([k]) => !["urn", "id", "inputs"].includes(k)));
    expect((await p.diff(id, urn, olds, rechecked.inputs)).replaces).toEqual(["triggers"]);
    const created = await p.create(urn, (await p.check(urn, {}, news)).inputs);
    await p.delete(id, urn, olds);
    const s1 = outputs1.secret as string;
    expect(created.props.previousSecret).toBe(s1);
    expect(created.props.secret).toBe(anton.emulator.state.currentSecret(webhookId));

    await deliver("rotation 2, receiver holds old only", 3);
    expect(signatureCount(lastDelivery())).toBe(2);
    file.write(awsSecretDocument(created.props as any));
    await deliver("rotation 2, receiver holds both", 3);
    clock.advance(GRACE_SECONDS + 60);
    await deliver("rotation 2, after grace", 3);
    expect(signatureCount(lastDelivery())).toBe(1);
    file.write(awsSecretDocument({ ...(created.props as any), previousSecret: "" }));
    await deliver("rotation 2, previous dropped", 2);

    for (const [label, secret] of [["rotated out twice ago", s0], ["rotated out last", s1]] as const) {
      const old = signedEvent([secret]);
      expect(await send(`rotation 2: signed only with the secret ${label}`, "forged", old.body, old.headers)).toBe(401);
    }
    await forgeries("rotation 2, previous dropped", created.props.secret);
  });

  it("totals: zero genuine deliveries rejected, zero forgeries accepted; nothing secret or unverified in the logs", () => {
    const ok = (o: Outcome) => o.status !== undefined && o.status >= 200 && o.status < 300;
    const genuine = ledger.filter((o) => o.kind === "genuine");
    const forged = ledger.filter((o) => o.kind === "forged");
    const genuineRejected = genuine.filter((o) => !ok(o));
    const forgedAccepted = forged.filter(ok);
    console.log(
      `[scheme ${scheme}] genuine deliveries: ${genuine.length} sent, ${genuineRejected.length} rejected; ` +
        `forged deliveries: ${forged.length} sent, ${forgedAccepted.length} accepted`,
    );
    expect(genuine.length).toBeGreaterThanOrEqual(30);
    expect(forged.length).toBeGreaterThanOrEqual(35);
    expect(genuineRejected).toEqual([]);
    expect(forgedAccepted).toEqual([]);

    // Each genuine event processed exactly once, and no forged event id ever reached onEvent.
    expect(processed.length).toBe(genuine.length);
    expect(new Set(processed.map((p) => p.id)).size).toBe(processed.length);
    expect(processed.filter((p) => p.id.startsWith("evt_forged"))).toEqual([]);

    const text = logs.join("\n");
    expect(text).not.toMatch(/whsec_/);
    expect(text).not.toContain(CANARY);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    expect(anton.emulator.state.rotations(webhookId)).toBe(2);
  });
});
