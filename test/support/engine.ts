/**
 * The real Pulumi engine, hermetic: a fresh PULUMI_HOME, a file backend and a passphrase secrets
 * provider in temp folders, automatic plugin acquisition off. Programs run as Automation API inline
 * programs, which host the Node language runtime in this process; the engine (the pinned CLI) runs
 * `pulumi-resource-pulumi-nodejs`, the real dynamic-provider plugin, as it does for users.
 *
 * Every CLI invocation's output is kept, so tests can scan it for leaks.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ENV_VARS } from "../../provider/client/settings";
import {
  LocalWorkspace,
  PulumiCommand,
  type EngineEvent,
  type OpType,
  type PulumiFn,
  type Stack,
} from "@pulumi/pulumi/automation";

export const ROOT = path.resolve(__dirname, "..", "..");
export const RESOURCE_TYPE = "pulumi-nodejs:dynamic/anton:WebhookSecret";

/**
 * The package as a user's program loads it: from node_modules (test/support/link-self.cjs installs it
 * there), not through the checkout's self-reference, so its provider serializes as it does for users.
 */
export function installedPackage(): typeof import("../../provider") {
  return require(path.join(ROOT, "node_modules", "pulumi-anton")) as typeof import("../../provider");
}
/** Protects only throwaway test state. */
const PASSPHRASE = "pulumi-anton-e2e";

let bin: string | undefined;

/** Sets the bin directory test/support/pulumi-cli.sh printed (the e2e global setup, the bench). */
export function useCliBin(dir: string): void {
  bin = dir;
}

/** The bin directory of the pinned CLI. */
export function cliBin(): string {
  if (!bin) throw new Error("no Pulumi CLI: call useCliBin() with the directory test/support/pulumi-cli.sh printed");
  return bin;
}

export interface Invocation {
  args: string[];
  output: string;
}

/** What the CLI printed, less the commands that exist to show secrets (`--show-secrets`). */
export function printed(backend: Backend): string {
  return backend.transcript
    .filter((i) => !i.args.includes("--show-secrets"))
    .map((i) => `$ pulumi ${i.args.join(" ")}\n${i.output}`)
    .join("\n");
}

/** One hermetic Pulumi home + backend; several stacks (and projects) may share it. */
export interface Backend {
  env: Record<string, string>;
  dir: string;
  /** Every CLI invocation on this backend and what it printed. */
  transcript: Invocation[];
  cleanup(): void;
}

export function hermeticBackend(extraEnv: Record<string, string> = {}): Backend {
  const dir = mkdtempSync(path.join(tmpdir(), "pulumi-anton-e2e-"));
  mkdirSync(path.join(dir, "home"));
  mkdirSync(path.join(dir, "state"));
  const env: Record<string, string> = {
    PULUMI_HOME: path.join(dir, "home"),
    PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    // Credentials come from stack config only; a developer's own ANTON_* must not leak in.
    ...Object.fromEntries(ENV_VARS.map((name) => [name, ""])),
    NODE_OPTIONS: "",
    ...extraEnv,
  };
  return { env, dir, transcript: [], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A project folder outside the repository whose `node_modules` is this repository's (the plugin's cwd). */
export function projectDir(backend: Backend, name: string, yaml?: string): string {
  const dir = mkdtempSync(path.join(backend.dir, `${name}-`));
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  writeFileSync(path.join(dir, "Pulumi.yaml"), yaml ?? `name: ${name}\nruntime: nodejs\n`);
  return dir;
}

/** Steps the engine reported for one resource type, in order: e.g. ["create"], ["same"], ["create-replacement", ...]. */
export function stepsFor(events: EngineEvent[], type = RESOURCE_TYPE, name?: string): OpType[] {
  const ops: OpType[] = [];
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (m && m.type === type && (name === undefined || m.urn.endsWith(`::${name}`))) ops.push(m.op);
  }
  return ops;
}

/** The engine's closing summary: how many resources each kind of step touched, e.g. `{ same: 1, update: 1 }`. */
export function summary(events: EngineEvent[]): Record<string, number> {
  for (const e of events) if (e.summaryEvent) return { ...e.summaryEvent.resourceChanges };
  throw new Error("the engine sent no summary event");
}

/** Diagnostic messages (warnings, errors) the engine reported. */
export function diagnostics(events: EngineEvent[], severity?: string): string[] {
  return events.flatMap((e) => (e.diagnosticEvent && (!severity || e.diagnosticEvent.severity === severity) ? [e.diagnosticEvent.message] : []));
}

export interface RunRecord {
  events: EngineEvent[];
  stdout: string;
}

/** An inline-program stack with recorded events and outputs. */
export class TestStack {
  /** Extra CLI flags for the next `up`/`preview` (flags the Automation API has no option for). */
  nextArgs: string[] = [];

  private constructor(
    readonly stack: Stack,
    readonly backend: Backend,
    readonly workDir: string,
  ) {}

  static async create(backend: Backend, opts: { project: string; stack: string; program: PulumiFn; workDir?: string; config?: Record<string, { value: string; secret?: boolean }> }): Promise<TestStack> {
    const workDir = opts.workDir ?? projectDir(backend, opts.project);
    const real = await PulumiCommand.get({ root: path.dirname(cliBin()) });
    const holder: { self?: TestStack } = {};
    // Wraps the CLI so every invocation's output lands in the transcript and extra flags can be added.
    // `run` is the Automation API's internal entry to the CLI (not in its .d.ts).
    const internal = real as unknown as { run: CliRun };
    const original = internal.run.bind(real);
    internal.run = async (args, cwd, env, onOutput, onError, signal) => {
      const self = holder.self;
      if (self && self.nextArgs.length > 0 && ["up", "preview"].includes(args[0]!)) {
        args = [...args, ...self.nextArgs];
        self.nextArgs = [];
      }
      try {
        const result = await original(args, cwd, env, onOutput, onError, signal);
        backend.transcript.push({ args, output: `${result.stdout}\n${result.stderr}` });
        return result;
      } catch (err) {
        backend.transcript.push({ args, output: String((err as Error).message) });
        throw err;
      }
    };
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: opts.stack, projectName: opts.project, program: opts.program },
      { workDir, envVars: backend.env, pulumiCommand: real },
    );
    const self = new TestStack(stack, backend, workDir);
    holder.self = self;
    // As users are told to: secrets through stdin, never argv (the Automation API's setConfig uses argv).
    for (const [key, { value, secret }] of Object.entries(opts.config ?? {})) await self.cli(["config", "set", key, ...(secret ? ["--secret"] : [])], value);
    return self;
  }

  async up(opts: { replace?: string[]; target?: string[]; extraArgs?: string[] } = {}): Promise<RunRecord> {
    const events: EngineEvent[] = [];
    if (opts.extraArgs) this.nextArgs = opts.extraArgs;
    const r = await this.stack.up({ onEvent: (e) => events.push(e), replace: opts.replace, target: opts.target, color: "never" });
    return { events, stdout: r.stdout };
  }

  async preview(opts: { expectNoChanges?: boolean } = {}): Promise<RunRecord> {
    const events: EngineEvent[] = [];
    const r = await this.stack.preview({ onEvent: (e) => events.push(e), expectNoChanges: opts.expectNoChanges, color: "never" });
    return { events, stdout: r.stdout };
  }

  async refresh(): Promise<RunRecord> {
    const events: EngineEvent[] = [];
    const r = await this.stack.refresh({ onEvent: (e) => events.push(e), color: "never" });
    return { events, stdout: r.stdout };
  }

  async destroy(): Promise<RunRecord> {
    const events: EngineEvent[] = [];
    const r = await this.stack.destroy({ onEvent: (e) => events.push(e), color: "never" });
    return { events, stdout: r.stdout };
  }

  /** `pulumi stack export` (the Automation API's exportStack adds --show-secrets): secrets stay ciphertext. */
  async exportState(): Promise<StateResource[]> {
    const exported = JSON.parse(await this.cli(["stack", "export"])) as { deployment?: { resources?: StateResource[] } };
    return exported.deployment?.resources ?? [];
  }

  /** Runs `fn` with extra environment variables for the CLI and the plugins it starts. */
  async withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
    const env = this.stack.workspace.envVars;
    const saved = { ...env };
    Object.assign(env, vars);
    try {
      return await fn();
    } finally {
      for (const key of Object.keys(vars)) delete env[key];
      Object.assign(env, saved);
    }
  }

  /** One resource's state by type (and name). */
  async resource(name: string, type = RESOURCE_TYPE): Promise<StateResource | undefined> {
    return (await this.exportState()).find((r) => r.type === type && r.urn.endsWith(`::${name}`));
  }

  /** `pulumi stack output --json` without --show-secrets: secrets print as "[secret]". */
  async shownOutputs(): Promise<Record<string, unknown>> {
    return JSON.parse(await this.cli(["stack", "output", "--json"])) as Record<string, unknown>;
  }

  /** Runs the CLI for this stack in its project folder; rejects on a non-zero exit. */
  async cli(args: string[], stdin?: string): Promise<string> {
    const r = await runCli(this.backend, [...args, "--stack", this.stack.name], this.workDir, stdin);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }
}

/** A resource as `pulumi stack export` stores it. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

type CliRun = (
  args: string[],
  cwd: string,
  env: Record<string, string>,
  onOutput?: (out: string) => void,
  onError?: (err: string) => void,
  signal?: AbortSignal,
) => Promise<{ stdout: string; stderr: string; code: number }>;

/** The engine's marker for an encrypted value in exported state. */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

export function isCiphertext(value: unknown): boolean {
  return typeof value === "object" && value !== null && SECRET_SIG_KEY in value && typeof (value as { ciphertext?: unknown }).ciphertext === "string";
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The pinned CLI as a user runs it, non-interactive; output goes to the backend's transcript. */
export function runCli(backend: Backend, args: string[], cwd: string, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const dir = cliBin();
    const child = spawn(path.join(dir, "pulumi"), [...args, "--non-interactive"], {
      cwd,
      env: { ...process.env, ...backend.env, PATH: `${dir}${path.delimiter}${process.env.PATH ?? ""}` },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      backend.transcript.push({ args, output: `${stdout}\n${stderr}` });
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? "");
  });
}
