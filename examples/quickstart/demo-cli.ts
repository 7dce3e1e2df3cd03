/**
 * Finding a Pulumi CLI for `npm run demo`, and running it.
 *
 * Order: ANTON_DEMO_PULUMI alone when set; else `pulumi` on PATH, the pinned CLI that
 * test/support/pulumi-cli.sh cached, the `pulumi` npm package (downloads its CLI; needs the
 * internet), and last a build from the Go module proxy (minutes, once).
 */
import { spawn, type StdioOptions } from "node:child_process";
import { accessSync, constants, createReadStream, existsSync, realpathSync } from "node:fs";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
const SCRIPT = path.join(ROOT, "test", "support", "pulumi-cli.sh");

/** A CLI to run: `command args...`; `binary` is the executable itself when there is one. */
export interface Cli {
  command: string;
  args: string[];
  label: string;
  binary?: string;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException;
}

/** Where a child's stdin comes from: a file (streamed) or a value (written, then closed). */
export type Stdin = { file: string } | { text: string };

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  stdin?: Stdin;
  /** Collect stdout/stderr instead of showing them. */
  capture?: boolean;
  /** Also show stderr as it arrives (progress lines), while collecting it. */
  stderrInherit?: boolean;
  timeoutMs?: number;
}

export function run(cli: Cli, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const out = opts.capture ? "pipe" : "inherit";
    const stdio: StdioOptions = [opts.stdin ? "pipe" : "ignore", out, opts.stderrInherit ? "pipe" : out];
    const child = spawn(cli.command, [...cli.args, ...args], { cwd: ROOT, env: opts.env ?? process.env, stdio, timeout: opts.timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (opts.stderrInherit) process.stderr.write(d);
    });
    const input = opts.stdin;
    if (input && "file" in input) createReadStream(input.file).pipe(child.stdin!);
    else if (input) child.stdin!.end(input.text);
    child.on("error", (error: NodeJS.ErrnoException) => resolve({ code: null, stdout, stderr, error }));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Why a run failed, in a few words; never empty. */
export function reasonOf(r: RunResult): string {
  if (r.error) return r.error.code ?? r.error.message;
  if (r.code === null) return "timed out";
  const last = r.stderr.trim().split("\n").pop()?.trim();
  return (last || `exited ${r.code} without a message`).slice(0, 160);
}

/** A `pulumi` on PATH other than npm's `.bin` shim. */
function onPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir || dir.split(path.sep).includes("node_modules")) continue;
    const file = path.join(dir, "pulumi");
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

const binary = (file: string, label: string): Cli => ({ command: file, args: [], label, binary: file });

/** The pinned CLI from test/support/pulumi-cli.sh; `build: false` only looks in its cache. */
async function provisioned(build: boolean): Promise<Cli | string> {
  const sh: Cli = { command: "bash", args: [SCRIPT], label: "test/support/pulumi-cli.sh" };
  const r = await run(sh, build ? [] : ["--cached-only"], { capture: true, stderrInherit: build });
  const bin = r.stdout.trim().split("\n").pop();
  if (r.code === 0 && bin) return binary(path.join(bin, "pulumi"), build ? "built from the Go module proxy" : "the pinned CLI in the cache");
  return build ? `Go module proxy build: ${reasonOf(r)}` : "";
}

/** The first CLI that answers `pulumi version`, or why none did. */
export async function findCli(): Promise<{ cli: Cli; version: string } | { problems: string[] }> {
  const problems: string[] = [];
  const tryCli = async (cli: Cli, timeoutMs: number) => {
    const r = await run(cli, ["version"], { capture: true, timeoutMs, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    const version = r.stdout.trim();
    if (r.code === 0 && /^v?\d+\.\d+/.test(version)) return version;
    problems.push(`${cli.label}: ${r.code === 0 ? `printed no version` : reasonOf(r)}`);
    return undefined;
  };

  const explicit = process.env.ANTON_DEMO_PULUMI;
  if (explicit) {
    const cli = binary(explicit, explicit);
    const version = await tryCli(cli, 20_000);
    return version ? { cli, version } : { problems };
  }
  const path_ = onPath();
  if (path_) {
    const cli = binary(path_, "pulumi on PATH");
    const version = await tryCli(cli, 20_000);
    if (version) return { cli, version };
  }
  const cached = await provisioned(false);
  if (typeof cached !== "string") {
    const version = await tryCli(cached, 20_000);
    if (version) return { cli: cached, version };
  }
  const wrapper = path.join(ROOT, "node_modules", "pulumi", "run.js");
  if (existsSync(wrapper)) {
    // Downloads its CLI on first use, hence the long timeout; offline it fails at once.
    const version = await tryCli({ command: process.execPath, args: [wrapper], label: "the pulumi npm package" }, 300_000);
    if (version) return { cli: { command: process.execPath, args: [wrapper], label: "the pulumi npm package" }, version };
  }
  console.log("demo: no Pulumi CLI found; building the pinned one from the Go module proxy. This takes several minutes, once (progress below).");
  const built = await provisioned(true);
  if (typeof built === "string") problems.push(built);
  else {
    const version = await tryCli(built, 20_000);
    if (version) return { cli: built, version };
  }
  return { problems };
}

/**
 * Whether `pulumi up` can run the Node program itself: it needs `pulumi-language-nodejs` next to
 * the CLI or on PATH. A CLI built from the Go module proxy has none (the proxy does not serve it),
 * so the demo then runs the same program through the Automation API, which hosts it in-process.
 */
export function hasNodeLanguageHost(cli: Cli): boolean {
  if (!cli.binary) return true; // the npm package's CLI is a full distribution
  const dirs = [path.dirname(realpathSync(cli.binary)), ...(process.env.PATH ?? "").split(path.delimiter)];
  return dirs.some((dir) => dir && existsSync(path.join(dir, "pulumi-language-nodejs")));
}
