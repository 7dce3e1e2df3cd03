/** Parent-side handle on an emulator running in its own process (see ./emulator-host). */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { EmulatorOptions } from "../../provider/emulator";

/** Emulator counters as the bench reads them. */
export interface EmulatorCounts {
  total: number;
  byRoute: Record<string, number>;
  tokensMinted: number;
  rejections: Record<string, number>;
}

export interface EmulatorProcess {
  url: string;
  pid: number;
  /** Fully qualified stack config, as the engine sends it to Configure. */
  config: Record<string, string>;
  /** The same credentials as ANTON_* variables. */
  env: Record<string, string>;
  credentials: { clientId: string; clientSecret: string; dpopPrivateKeyPem: string };
  webhooks(n: number): Promise<string[]>;
  state(): Promise<EmulatorCounts>;
  reset(): Promise<void>;
  /** Delays every response by `ms` (a simulated network round trip); 0 turns it off. */
  delay(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Forks the emulator (through tsx, so no build step) and waits until it listens. */
export async function startEmulatorProcess(options: Pick<EmulatorOptions, "rateLimit" | "tokenTtlSeconds"> = {}): Promise<EmulatorProcess> {
  const child: ChildProcess = fork(path.join(__dirname, "emulator-host.ts"), [], {
    execArgv: ["--import", "tsx"],
    env: { PATH: process.env.PATH, BENCH_EMULATOR_OPTIONS: JSON.stringify(options) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await new Promise<{ url: string; credentials: EmulatorProcess["credentials"] }>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
    child.once("message", (m) => resolve(m as { url: string; credentials: EmulatorProcess["credentials"] }));
  });
  let next = 0;
  const pending = new Map<number, (v: unknown) => void>();
  child.on("message", (m: { id?: number; result?: unknown }) => {
    if (m.id !== undefined) pending.get(m.id)?.(m.result);
    pending.delete(m.id!);
  });
  const ask = <T>(cmd: string, extra: Record<string, unknown> = {}): Promise<T> =>
    new Promise((resolve) => {
      const id = next++;
      pending.set(id, resolve as (v: unknown) => void);
      child.send({ id, cmd, ...extra });
    });
  const { url, credentials } = ready;
  return {
    url,
    pid: child.pid!,
    credentials,
    config: {
      "anton:apiUrl": url,
      "anton:clientId": credentials.clientId,
      "anton:clientSecret": credentials.clientSecret,
      "anton:dpopPrivateKey": credentials.dpopPrivateKeyPem,
    },
    env: {
      ANTON_API_URL: url,
      ANTON_CLIENT_ID: credentials.clientId,
      ANTON_CLIENT_SECRET: credentials.clientSecret,
      ANTON_DPOP_PRIVATE_KEY: credentials.dpopPrivateKeyPem,
    },
    webhooks: (n) => ask<string[]>("webhooks", { n }),
    state: () => ask<EmulatorCounts>("state"),
    reset: () => ask<void>("reset"),
    delay: (ms) => ask<void>("delay", { ms }),
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      await ask("close");
      await exited;
    },
  };
}
