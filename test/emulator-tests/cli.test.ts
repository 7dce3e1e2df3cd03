import { afterEach, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { http } from "./support";
import { CliProcess } from "./cli-process";

// The CLI serves until signalled: every run here is bounded by CliProcess's limits and killed in afterEach.
const root = join(__dirname, "..", "..");
// The compiled bin, as users run it (`npm test` builds first).
const BIN = join(root, "dist", "provider", "emulator", "cli.js");
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
  it("`npm run emulator -- --json` prints one safe JSON line, serves, and shuts down cleanly on SIGTERM", async () => {
    const cli = start("npm", ["run", "--silent", "emulator", "--", "--json"]);
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

  it("the built bin exits 0 on SIGTERM, frees its port and deletes its key file", async () => {
    const cli = start(process.execPath, [BIN, "--json", "--port", "0"]);
    const [line] = await cli.readUntil((lines) => lines.length >= 1);
    const info = expectSafeJson(line!);
    cli.kill("SIGTERM");
    expect(await CliProcess.within(cli.exited, "CLI exit after SIGTERM")).toEqual({ code: 0, signal: null });
    expect(existsSync(info.key_file)).toBe(false);
    expect(await refusesConnections(info.url)).toBe(true);
    // Exactly one line on stdout, nothing else.
    expect(cli.output()).toEqual([line]);
  });

  it("prints paste-able exports with a labelled demo secret in text mode, and exits 0 on SIGINT", async () => {
    const cli = start(process.execPath, [BIN]);
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
    const url = /^export ANTON_API_URL=(\S+)$/m.exec(text)![1]!;
    expect(await refusesConnections(url)).toBe(true);
  });

  it("refuses an unknown argument with exit code 2 and says nothing secret", async () => {
    const cli = start(process.execPath, [BIN, "--bogus"]);
    expect(await CliProcess.within(cli.exited, "CLI exit on a bad argument")).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toMatch(/unknown argument/);
    expect(cli.stderr).not.toContain("--bogus");
  });

  it.each([
    [["--port", "70000"], "--port must be an integer from 0 to 65535"],
    [["--port=-1"], "--port must be an integer from 0 to 65535"],
    [["--key-alg", "RS256"], "--key-alg must be ES256 or Ed25519"],
    [["--grace-seconds", "soon"], "--grace-seconds must be an integer"],
    [["--signature-scheme=C"], "--signature-scheme must be A or B"],
    [["--json=yes"], "--json takes no value"],
    [["--port"], "--port needs a value"],
  ])("names the flag in a bad value: %j", async (args, message) => {
    const cli = start(process.execPath, [BIN, ...args]);
    expect(await CliProcess.within(cli.exited, "CLI exit on a bad value")).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toContain(`anton-emulator: ${message}`);
    expect(cli.output()).toEqual([]);
  });

  it("names the variable when ANTON_EMULATOR_PORT is bad, and the port when it is taken", async () => {
    const bad = new CliProcess(process.execPath, [BIN], { ANTON_EMULATOR_PORT: "http" });
    running.push(bad);
    expect(await CliProcess.within(bad.exited, "CLI exit on a bad variable")).toEqual({ code: 2, signal: null });
    expect(bad.stderr).toContain("ANTON_EMULATOR_PORT must be an integer from 0 to 65535");

    const first = start(process.execPath, [BIN, "--json"]);
    const info = JSON.parse((await first.readUntil((l) => l.length >= 1))[0]!) as CliJson;
    const port = new URL(info.url).port;
    const second = start(process.execPath, [BIN, "--json", "--port", port]);
    expect(await CliProcess.within(second.exited, "CLI exit on a taken port")).toEqual({ code: 1, signal: null });
    expect(second.stderr).toMatch(/EADDRINUSE/);
    expect(second.output()).toEqual([]);
  });
});
