/**
 * Figure 10: what a webhook receiver pays to load the verifier, `pulumi-anton/webhooks` beside
 * `standardwebhooks` (the Standard Webhooks reference library), and verify throughput (informational).
 *
 * Both packages sit in a temp project's node_modules as `npm install` lays them out (real directories:
 * this checkout's package.json and dist/provider; standardwebhooks and its dependencies copied from
 * node_modules), so neither pays for this checkout's node_modules/pulumi-anton symlink. Every import sample
 * is a fresh `node` process timing `require(id)` with `process.hrtime.bigint()`; rounds alternate the order
 * of the two packages so both see the same machine state.
 */
import { execFileSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createSignatureHeaders } from "../../../provider/signature";
import { median, round } from "../stats";

export const ANTON = "pulumi-anton/webhooks";
export const PEER = "standardwebhooks";

export interface WebhooksImportFigure {
  rounds: number;
  /** Median ms of `require(id)` in a fresh process. */
  importMs: { anton: number; peer: number };
  ratio: number;
  /** Files in `require.cache` after the import. */
  modules: { anton: number; peer: number };
  /** Median ms of `require(id)` plus one verify, in a fresh process (includes loading `node:crypto` for Anton). */
  importAndFirstVerifyMs: { anton: number; peer: number };
  /** Verifies per second of a `bodyBytes` body with one secret, in one warm process (median of 3). */
  verifiesPerSecond: { anton: number; peer: number };
  bodyBytes: number;
}

/** Runs in the child: imports one package, verifies a delivery signed for it, prints what it measured. */
const CHILD = `
const [mode, id, fixtureJson] = process.argv.slice(2);
const f = JSON.parse(fixtureJson);
const t0 = process.hrtime.bigint();
const lib = require(id);
const t1 = process.hrtime.bigint();
const modules = Object.keys(require.cache).filter((file) => file !== __filename);
const verifiers = {
  ${JSON.stringify(ANTON)}: () => () => lib.verifyWebhookSignature({ rawBody: f.body, headers: f.anton.headers, secrets: [f.anton.secret] }).secretIndex === 0,
  ${JSON.stringify(PEER)}: () => { const wh = new lib.Webhook(f.peer.secret); return () => wh.verify(f.body, f.peer.headers).id === f.id; },
};
const verify = verifiers[id]();
if (!verify()) throw new Error(id + ": the delivery did not verify");
const t2 = process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;
if (mode === "import") {
  console.log(JSON.stringify({ importMs: ms(t0, t1), firstVerifyMs: ms(t0, t2), modules: modules.length }));
} else {
  for (let i = 0; i < 2000; i++) verify();
  const n = Number(mode);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (!verify()) throw new Error("verify failed");
  console.log(JSON.stringify({ perSecond: n / (ms(start, process.hrtime.bigint()) / 1000) }));
}
`;

/** Copies an installed package and, recursively, its dependencies from `from` into `to` (both node_modules). */
function copyInstalled(name: string, from: string, to: string, done = new Set<string>()): void {
  if (done.has(name)) return;
  done.add(name);
  cpSync(path.join(from, name), path.join(to, name), { recursive: true, dereference: true });
  const pkg = JSON.parse(readFileSync(path.join(from, name, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies ?? {})) copyInstalled(dep, from, to, done);
}

/** A temp project with both packages installed, and the child script. */
function project(root: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "anton-bench-webhooks-"));
  const modules = path.join(dir, "node_modules");
  const self = path.join(modules, "pulumi-anton");
  mkdirSync(path.join(self, "dist"), { recursive: true });
  cpSync(path.join(root, "package.json"), path.join(self, "package.json"));
  cpSync(path.join(root, "dist", "provider"), path.join(self, "dist", "provider"), { recursive: true });
  copyInstalled(PEER, path.join(root, "node_modules"), modules);
  writeFileSync(path.join(dir, "child.cjs"), CHILD);
  return dir;
}

/** One delivery, signed for each library's scheme. */
function fixture(bodyBytes: number): string {
  const id = "evt_01HX8Z9K0M2N3P4Q5R6S7T8UW";
  const body = JSON.stringify({ id, type: "payment.succeeded", data: { note: "x".repeat(Math.max(0, bodyBytes - 80)) } });
  const timestamp = Math.floor(Date.now() / 1000);
  const antonSecret = `whsec_${randomBytes(32).toString("hex")}`;
  const peerKey = randomBytes(32);
  const peerSignature = createHmac("sha256", peerKey).update(`${id}.${timestamp}.${body}`).digest("base64");
  return JSON.stringify({
    id,
    body,
    anton: { secret: antonSecret, headers: createSignatureHeaders({ secrets: [antonSecret], body, timestamp }) },
    peer: {
      secret: `whsec_${peerKey.toString("base64")}`,
      headers: { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": `v1,${peerSignature}` },
    },
  });
}

export function measureWebhooksImport(root: string, rounds = 40, bodyBytes = 1024): WebhooksImportFigure {
  const dir = project(root);
  try {
    const f = fixture(bodyBytes);
    const child = <T>(mode: string, id: string): T => JSON.parse(execFileSync(process.execPath, ["child.cjs", mode, id, f], { cwd: dir, encoding: "utf8" })) as T;
    type Sample = { importMs: number; firstVerifyMs: number; modules: number };
    const samples: Record<string, Sample[]> = { [ANTON]: [], [PEER]: [] };
    // One unmeasured run of each warms the OS file cache.
    for (const id of [ANTON, PEER]) child<Sample>("import", id);
    for (let i = 0; i < rounds; i++) {
      for (const id of i % 2 ? [PEER, ANTON] : [ANTON, PEER]) samples[id]!.push(child<Sample>("import", id));
    }
    const perSecond: Record<string, number[]> = { [ANTON]: [], [PEER]: [] };
    for (let i = 0; i < 3; i++) for (const id of [ANTON, PEER]) perSecond[id]!.push(child<{ perSecond: number }>("20000", id).perSecond);
    const med = (id: string, k: keyof Sample) => median(samples[id]!.map((s) => s[k]));
    const importMs = { anton: round(med(ANTON, "importMs")), peer: round(med(PEER, "importMs")) };
    return {
      rounds,
      importMs,
      ratio: round(importMs.anton / importMs.peer),
      modules: { anton: med(ANTON, "modules"), peer: med(PEER, "modules") },
      importAndFirstVerifyMs: { anton: round(med(ANTON, "firstVerifyMs")), peer: round(med(PEER, "firstVerifyMs")) },
      verifiesPerSecond: { anton: Math.round(median(perSecond[ANTON]!)), peer: Math.round(median(perSecond[PEER]!)) },
      bodyBytes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
