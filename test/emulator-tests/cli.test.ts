import { afterEach, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { http } from "./harness";
import { CliProcess } from "./cli-process";

// The CLI serves until signalled: every run here is bounded by CliProcess's limits and killed in afterEach.
const root = join(__dirname, "..", "..");
const running: CliProcess[] = [];
afterEach(() => {
  for (const cli of running.splice(0)) cli.dispose();
});
const start = (command: string, args: string[]): CliProcess => {
  const cli = new CliProcess(command, args);
  running.push(cli);
  return cli;
};

const refusesConnections = (url: string) => http(`${url}/.well-known/jwks.json`).then(() => false, () => true);

interface CliJson {
  url: string;
  client_id: string;
  client_secret: string;
  key_file: string;
  webhook_id: string;
  env: Record<string, string>;
}

function expectSafeJson(line: string): CliJson {
  const info = JSON.parse(line) as CliJson;
  expect(info).toMatchObject({
    url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    client_id: expect.stringMatching(/^ant_oc_sandbox_[0-9a-f]{32}$/),
    client_secret: expect.stringMatching(/^ant_ocs_sandbox_[0-9a-f]{48}$/),
    key_file: expect.stringMatching(/\.pem$/),
    webhook_id: expect.stringMatching(/^wbh_[A-Za-z0-9]{26}$/),
    env: { ANTON_API_URL: info.url, ANTON_CLIENT_ID: info.client_id, ANTON_CLIENT_SECRET: info.client_secret, ANTON_DPOP_PRIVATE_KEY_FILE: info.key_file },
  });
  // A path to the key, never the key; and no webhook secret at all.
  expect(line).not.toMatch(/whsec_|-----BEGIN|PRIVATE KEY|"d":/);
  return info;
}

describe("emulator CLI", () => {
  it("`npx tsx test/emulator/cli.ts --json` prints one safe JSON line, serves, and shuts down cleanly on SIGTERM", async () => {
    const cli = start("npx", ["tsx", join(root, "test/emulator/cli.ts"), "--json"]);
    const [line] = await cli.readUntil((lines) => lines.length >= 1);
    const info = expectSafeJson(line!);
    expect(existsSync(info.key_file)).toBe(true);
    const state = await http(`${info.url}/__emulator/state`);
    expect(state.body.webhooks.map((w: { id: string }) => w.id)).toEqual([info.webhook_id]);

    cli.kill("SIGTERM");
    // npm itself dies by the signal; the CLI is done once the last holder of its stdout is gone.
    await CliProcess.within(cli.stdoutClosed, "CLI shutdown after SIGTERM");
    expect(existsSync(info.key_file)).toBe(false);
    expect(await refusesConnections(info.url)).toBe(true);
  });

  it("exits 0 on SIGTERM (run through tsx, as `npm run emulator` does)", async () => {
    const cli = start(join(root, "node_modules/.bin/tsx"), [join(root, "test/emulator/cli.ts"), "--json", "--port", "0"]);
    const [line] = await cli.readUntil((lines) => lines.length >= 1);
    const info = expectSafeJson(line!);
    cli.kill("SIGTERM");
    expect(await CliProcess.within(cli.exited, "CLI exit after SIGTERM")).toEqual({ code: 0, signal: null });
    expect(existsSync(info.key_file)).toBe(false);
  });

  it("prints paste-able exports with a labelled demo secret in text mode, and exits 0 on SIGINT", async () => {
    const cli = start(join(root, "node_modules/.bin/tsx"), [join(root, "test/emulator/cli.ts")]);
    const lines = await cli.readUntil((l) => l.some((x) => x.startsWith("export ANTON_DPOP_PRIVATE_KEY_FILE=")));
    const text = lines.join("\n");
    for (const name of ["ANTON_API_URL", "ANTON_CLIENT_ID", "ANTON_CLIENT_SECRET", "ANTON_DPOP_PRIVATE_KEY_FILE"]) {
      expect(text).toMatch(new RegExp(`^export ${name}=\\S+$`, "m"));
    }
    expect(text).toMatch(/client secret:.*DEMO/);
    expect(text).toMatch(/webhook id:\s+wbh_/);
    expect(text).not.toMatch(/whsec_|-----BEGIN|PRIVATE KEY/);
    const keyFile = /^export ANTON_DPOP_PRIVATE_KEY_FILE=(\S+)$/m.exec(text)![1]!;
    expect(existsSync(keyFile)).toBe(true);
    cli.kill("SIGINT");
    expect(await CliProcess.within(cli.exited, "CLI exit after SIGINT")).toEqual({ code: 0, signal: null });
    expect(existsSync(keyFile)).toBe(false);
  });

  it("refuses an unknown argument with exit code 2 and says nothing secret", async () => {
    const cli = start(join(root, "node_modules/.bin/tsx"), [join(root, "test/emulator/cli.ts"), "--bogus"]);
    expect(await CliProcess.within(cli.exited, "CLI exit on a bad argument")).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toMatch(/unknown argument/);
    expect(cli.stderr).not.toContain("--bogus");
  });
});
