/**
 * `npm run demo`: the whole quickstart story against the local Anton emulator, with a real Pulumi CLI.
 *
 *   1. find a Pulumi CLI (before anything else: a missing CLI leaves nothing behind; see demo-cli.ts);
 *   2. start the emulator and create a webhook in it;
 *   3. create stack `demo` in a local file backend (`.pulumi-local/`, passphrase secrets provider)
 *      and set its config from the emulator's credentials (secrets through stdin, never argv);
 *   4. `pulumi up`, `pulumi up --replace <urn>`, `pulumi stack output --show-secrets`, printing the
 *      emulator's rotation count and the fingerprint after each step.
 *
 * `pulumi up` runs the root project's program (examples/quickstart/index.ts). With a CLI that has no
 * Node language host (one built from the Go module proxy), the same program runs through the
 * Automation API instead, which hosts it in this process; the engine and the provider are the same.
 *
 * Nothing secret is printed except by the last step, which exists to show the secret (a throwaway
 * emulator value). Environment: ANTON_DEMO_PULUMI names the CLI binary to use; ANTON_DEMO_STATE_DIR
 * moves the backend folder; ANTON_DEMO_SKIP_BUILD=1 reuses an existing dist/ instead of rebuilding.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Emulator } from "../../provider/emulator";
import { programFile } from "../../test/support/program-file";
import { ENV_VARS } from "../../provider/client/settings";
import { findCli, hasNodeLanguageHost, ROOT, run, type Cli, type Stdin } from "./demo-cli";

const STACK = "demo";
const PROJECT = "quickstart";
const RESOURCE = "quickstart";
const TYPE = "pulumi-nodejs:dynamic/anton:WebhookSecret";
// Protects only this demo's throwaway state in a local folder; it is not a secret.
const PASSPHRASE = "pulumi-anton-demo";

/** A path as the user would type it: relative inside the repository, absolute elsewhere. */
function shown(dir: string): string {
  const rel = path.relative(ROOT, dir);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : dir;
}

function say(line: string): void {
  console.log(`\n== ${line}`);
}

class DemoError extends Error {}

async function main(): Promise<number> {
  const found = await findCli();
  if ("problems" in found) {
    console.error(
      `demo: the Pulumi CLI could not be started (${found.problems.join("; ")}); install it from https://www.pulumi.com/docs/install/ (or install Go from https://go.dev/dl/ and the demo builds it), then re-run \`npm run demo\`.`,
    );
    return 1;
  }
  const { cli, version } = found;
  const stateDir = path.resolve(process.env.ANTON_DEMO_STATE_DIR ?? path.join(ROOT, ".pulumi-local"));
  console.log(`demo: Pulumi CLI ${version} (${cli.label}); state in ${shown(stateDir)}/`);

  // The program and the dynamic provider load `pulumi-anton` from dist/, by package name.
  // ANTON_DEMO_SKIP_BUILD=1 reuses an existing dist/ (the tests build once, up front).
  if (process.env.ANTON_DEMO_SKIP_BUILD !== "1" || !existsSync(path.join(ROOT, "dist", "provider", "index.js"))) {
    const tsc = { command: process.execPath, args: [path.join(ROOT, "node_modules", "typescript", "bin", "tsc")], label: "tsc" };
    const build = await run(tsc, ["-p", "tsconfig.build.json"]);
    if (build.code !== 0) throw new DemoError("the package did not build (npm run build)");
  }
  require(path.join(ROOT, "test", "support", "link-self.cjs"));

  let emulator: Emulator | undefined;
  const stop = async () => {
    const e = emulator;
    emulator = undefined;
    await e?.close();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void stop().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    const { startEmulator } = await import("../../provider/emulator");
    emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
    const hook = emulator.createWebhook({ url: "http://127.0.0.1:8787/webhooks" });
    const { clientId, keyFile } = emulator.credentials;
    say(`emulator on ${emulator.url}, webhook ${hook.id} (rotations: ${emulator.state.rotations(hook.id)})`);

    mkdirSync(stateDir, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      // Credentials come from stack config only, so a developer's own ANTON_* variables cannot interfere.
      ...Object.fromEntries(ENV_VARS.map((name) => [name, ""])),
    };
    const pulumi = async (args: string[], opts: { stdin?: Stdin; capture?: boolean } = {}) => {
      const r = await run(cli, args, { env, ...opts });
      if (r.code !== 0) {
        if (opts.capture) process.stderr.write(r.stderr);
        throw new DemoError(`\`pulumi ${args[0]} ${args[1] ?? ""}\` failed (exit ${r.code ?? r.error?.code})`);
      }
      return r.stdout;
    };

    // A stack left by an earlier run points at an emulator that is gone: start clean.
    await run(cli, ["stack", "rm", STACK, "--yes", "--force"], { env, capture: true });
    say(`pulumi stack init ${STACK} (local backend, passphrase secrets provider)`);
    await pulumi(["stack", "init", STACK, "--secrets-provider", "passphrase"], { capture: true });
    const set = (key: string, value: string) => pulumi(["config", "set", "--stack", STACK, key, value], { capture: true });
    await set("anton:apiUrl", emulator.url);
    await set("anton:clientId", clientId);
    await set(`${PROJECT}:webhookId`, hook.id);
    // Secrets go through stdin so they never appear in a process listing.
    await pulumi(["config", "set", "--stack", STACK, "--secret", "anton:clientSecret"], { stdin: { text: emulator.credentials.clientSecret }, capture: true });
    await pulumi(["config", "set", "--stack", STACK, "--secret", "anton:dpopPrivateKey"], { stdin: { file: keyFile! }, capture: true });
    console.log("config set: anton:apiUrl, anton:clientId, quickstart:webhookId; secret: anton:clientSecret, anton:dpopPrivateKey (from the key file)");

    const fingerprint = async () => (await pulumi(["stack", "output", "fingerprint", "--stack", STACK], { capture: true })).trim();

    const up = upRunner(cli, env, pulumi);
    say(`pulumi up --yes${up.note}`);
    await up.run([]);
    const afterUp = emulator.state.rotations(hook.id);
    const fp1 = await fingerprint();
    console.log(`after up: rotations ${afterUp} (expected 1), fingerprint ${fp1}`);

    const urn = await findUrn(pulumi);
    say(`pulumi up --replace ${urn} --yes`);
    await up.run([urn]);
    const afterReplace = emulator.state.rotations(hook.id);
    const fp2 = await fingerprint();
    console.log(`after up --replace: rotations ${afterReplace} (expected 2), fingerprint ${fp2}`);

    say("pulumi stack output --show-secrets");
    console.log("(this step prints the secret on purpose: it is a throwaway emulator secret, invalid once this demo exits)");
    await pulumi(["stack", "output", "--show-secrets", "--stack", STACK]);

    const ok = afterUp === 1 && afterReplace === 2 && fp1 !== fp2 && /^[0-9a-f]{16}$/.test(fp2);
    console.log(
      `\ndemo: ${ok ? "OK" : "FAILED"}: ${afterReplace} rotations (up: ${afterUp}, up --replace: ${afterReplace}); fingerprint ${fp1} -> ${fp2}; stack ${STACK} kept in ${shown(stateDir)}/ (delete the folder to discard it)`,
    );
    return ok ? 0 : 1;
  } finally {
    await stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/**
 * `pulumi up` (with `--replace` for the URNs given): by the CLI when it can run the Node program
 * itself, otherwise through the Automation API with the same project, stack, config and engine.
 */
function upRunner(cli: Cli, env: NodeJS.ProcessEnv, pulumi: (args: string[]) => Promise<string>): { note: string; run(replace: string[]): Promise<void> } {
  if (hasNodeLanguageHost(cli)) {
    return { note: "", run: async (replace) => void (await pulumi(["up", ...replace.flatMap((u) => ["--replace", u]), "--yes", "--stack", STACK])) };
  }
  return {
    note: " (through the Automation API: this CLI has no Node language host)",
    async run(replace) {
      const { LocalWorkspace, PulumiCommand } = await import("@pulumi/pulumi/automation");
      // PulumiCommand wants <root>/bin/pulumi; the engine still finds its plugins next to the real binary.
      const root = mkdtempSync(path.join(tmpdir(), "anton-demo-cli-"));
      try {
        mkdirSync(path.join(root, "bin"));
        symlinkSync(cli.binary!, path.join(root, "bin", "pulumi"));
        const pulumiCommand = await PulumiCommand.get({ root });
        const envVars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
        const stack = await LocalWorkspace.selectStack(
          { stackName: STACK, projectName: "quickstart", program: programFile(path.join(ROOT, "examples", "quickstart", "index.ts")) },
          { workDir: ROOT, envVars, pulumiCommand },
        );
        await stack.up({ replace, onOutput: (out) => process.stdout.write(out) });
      } catch (err) {
        throw new DemoError(`\`pulumi up${replace.length ? " --replace" : ""}\` failed${err instanceof Error && "commandResult" in err ? "" : ` (${err instanceof Error ? err.name : "error"})`}`);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

async function findUrn(pulumi: (args: string[], opts: { capture: boolean }) => Promise<string>): Promise<string> {
  // `stack export` holds secrets only as ciphertext; it is parsed here, never printed.
  const exported = JSON.parse(await pulumi(["stack", "export", "--stack", STACK], { capture: true })) as {
    deployment?: { resources?: Array<{ urn: string; type: string }> };
  };
  const urn = exported.deployment?.resources?.find((r) => r.type === TYPE && r.urn.endsWith(`::${RESOURCE}`))?.urn;
  if (!urn) throw new DemoError(`no ${TYPE} resource named ${RESOURCE} in stack ${STACK}`);
  return urn;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Only our own messages are printed: a raw error could carry a command line or an environment.
    console.error(`demo: ${err instanceof DemoError ? err.message : `unexpected ${err instanceof Error ? err.name : "error"}`}`);
    process.exit(1);
  },
);
