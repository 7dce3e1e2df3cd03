/** `examples/receiver/index.ts` as an operator runs it: a child process configured by env vars, SIGHUP reload, SIGTERM exit. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSignatureHeaders } from "pulumi-anton";
import { post, secretsFile } from "./support";

const root = path.resolve(__dirname, "..", "..");
const entry = path.join(root, "examples", "receiver", "index.ts");
// tsx as a require hook, not its CLI: the CLI is a parent process that does not relay SIGHUP.
const tsx = require.resolve("tsx/cjs");
const A = `whsec_${"a".repeat(64)}`;
const B = `whsec_${"b".repeat(64)}`;

interface Running {
  child: ChildProcess;
  output: () => string;
  errors: () => string;
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

function run(env: Record<string, string>): Running {
  const child = spawn(process.execPath, ["--require", tsx, entry], { cwd: root, env: { PATH: process.env.PATH, PORT: "0", ...env } });
  children.push(child);
  let out = "";
  let err = "";
  const waiters: Array<() => void> = [];
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    waiters.forEach((w) => w());
  });
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = out.match(pattern);
        if (match) resolve(match);
      };
      waiters.push(check);
      check();
      void exited.then(() => reject(new Error(`exited before ${pattern}: ${err}`)));
    });
  return { child, output: () => out, errors: () => err, waitFor, exited };
}

function delivery(secret: string, id: string) {
  const body = JSON.stringify({ id, type: "test", data: {} });
  return { body, headers: { "content-type": "application/json", ...createSignatureHeaders({ secrets: [secret], body }) } };
}

describe("the receiver process", () => {
  it("serves from ANTON_WEBHOOK_SECRETS_FILE, picks up a new file, re-reads on SIGHUP, exits 0 on SIGTERM", async () => {
    const file = secretsFile();
    file.write(JSON.stringify({ current: A, previous: "" }));
    const proc = run({ ANTON_WEBHOOK_SECRETS_FILE: file.path, ANTON_WEBHOOK_PATH: "/hooks" });
    const [, port] = await proc.waitFor(/outcome=listening host=127\.0\.0\.1 port=(\d+)/);
    const url = `http://127.0.0.1:${port}/hooks`;

    const first = delivery(A, "evt_entry1");
    expect((await post(url, first.body, first.headers)).status).toBe(202);
    const rotated = delivery(B, "evt_entry2");
    expect((await post(url, rotated.body, rotated.headers)).status).toBe(401);

    file.write(JSON.stringify({ current: B, previous: A }));
    expect((await post(url, rotated.body, rotated.headers)).status).toBe(202);

    proc.child.kill("SIGHUP");
    await proc.waitFor(/outcome=reload ok=true/);
    expect(proc.output().match(/outcome=secrets_loaded/g)).toHaveLength(3);

    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    const out = proc.output();
    expect(out).toContain("outcome=processed event_id=evt_entry1 event_type=test");
    expect(out).toContain("reason=no_matching_signature");
    expect(out).not.toContain("whsec_");
    expect(proc.errors()).toBe("");
  });

  it("serves from ANTON_WEBHOOK_SECRETS_JSON", async () => {
    const proc = run({ ANTON_WEBHOOK_SECRETS_JSON: JSON.stringify({ current: B, previous: A }) });
    const [, port] = await proc.waitFor(/port=(\d+)/);
    const old = delivery(A, "evt_json1");
    expect((await post(`http://127.0.0.1:${port}/`, old.body, old.headers)).status).toBe(202);
    expect(proc.output()).toContain("secret_index=1");
    proc.child.kill("SIGHUP");
    await proc.waitFor(/outcome=reload ok=false/);
  });

  it.each([
    ["no secrets source", {}, /Set ANTON_WEBHOOK_SECRETS_FILE \(a path\) or ANTON_WEBHOOK_SECRETS_JSON/],
    ["both sources", { ANTON_WEBHOOK_SECRETS_JSON: "{}", ANTON_WEBHOOK_SECRETS_FILE: "/x" }, /Set only one of/],
    ["broken JSON holding a secret", { ANTON_WEBHOOK_SECRETS_JSON: `{"current":"${A}"` }, /ANTON_WEBHOOK_SECRETS_JSON: not valid JSON/],
    ["a missing file", { ANTON_WEBHOOK_SECRETS_FILE: "/nonexistent/anton.json" }, /secrets file: cannot be read \(ENOENT\)/],
    ["a bad port", { ANTON_WEBHOOK_SECRETS_JSON: JSON.stringify({ current: A }), PORT: "http" }, /PORT must be an integer/],
  ])("%s: exits 1 with a message naming the variable, never a value", async (_name, env, message) => {
    const proc = run(env as Record<string, string>);
    expect(await proc.exited).toBe(1);
    expect(proc.errors()).toMatch(message);
    expect(proc.errors() + proc.output()).not.toContain(A);
    expect(proc.errors() + proc.output()).not.toContain("aaaa");
  });
});
