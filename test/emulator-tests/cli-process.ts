import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** Upper bound for any one step of a CLI run; the CLI serves until signalled, so nothing may wait on it unbounded. */
export const CLI_STEP_LIMIT_MS = 15_000;

/**
 * The emulator CLI as a child process in its own process group. `npx` runs the bin through `sh -c`, which
 * does not pass signals on, so stopping it means signalling the whole group; `kill()` always does that.
 */
export class CliProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when every process holding the stdout pipe is gone (npm, sh, tsx and the CLI itself). */
  readonly stdoutClosed: Promise<void>;
  private readonly lines: string[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly guard: NodeJS.Timeout;
  stderr = "";

  constructor(command: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(command, args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ANTON_EMULATOR_PORT: "", ...env } });
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
    this.stdoutClosed = new Promise((resolve) => this.child.stdout!.once("close", () => resolve()));
    this.child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")));
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      this.lines.push(line);
      for (const wake of this.waiters.splice(0)) wake();
    });
    // Last resort so a hung CLI can never outlive the test run.
    this.guard = setTimeout(() => this.kill("SIGKILL"), 4 * CLI_STEP_LIMIT_MS);
    this.guard.unref();
  }

  /** Waits for stdout lines until `done` says enough, bounded by {@link CLI_STEP_LIMIT_MS}. */
  async readUntil(done: (lines: string[]) => boolean): Promise<string[]> {
    const deadline = Date.now() + CLI_STEP_LIMIT_MS;
    while (!done(this.lines)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`cli exited early: ${this.stderr.slice(0, 500)}`);
      if (Date.now() > deadline) throw new Error("cli printed nothing usable in time");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return [...this.lines];
  }

  /** Every stdout line so far. */
  output(): string[] {
    return [...this.lines];
  }

  kill(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.child.pid!, signal);
    } catch {
      /* already gone */
    }
  }

  /** Resolves with `value`, or rejects once {@link CLI_STEP_LIMIT_MS} has passed. */
  static within<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer!: NodeJS.Timeout;
    const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen in time`)), CLI_STEP_LIMIT_MS)));
    return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
  }

  dispose(): void {
    clearTimeout(this.guard);
    this.kill("SIGKILL");
  }
}
