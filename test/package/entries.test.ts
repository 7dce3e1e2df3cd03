/**
 * Each audience's entry point loads what that audience needs and nothing more, checked in a child process
 * on the built package, resolved by name as a user's `require` resolves it:
 * - `pulumi-anton/webhooks` loads Node built-ins and its own files (dist/provider/signature, and the
 *   import-free dist/provider/argument-error.js) only;
 * - `pulumi-anton/client` loads the API client without `@pulumi/pulumi` or the resource;
 * - the package root still exports the same names, bound to the same objects.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..", "..");
const DIST = path.join(ROOT, "dist", "provider");

interface Loaded {
  /** Files in `require.cache` after the require (absolute, symlinks resolved). */
  files: string[];
  exports: string[];
  /** Export names whose value differs from the package root's. */
  differFromRoot: string[];
  /** What the child computed with the entry, when the script asked for it. */
  result?: unknown;
}

/** Requires `id` in a fresh `node`, then (after recording what was loaded) compares it with the root. */
async function load(id: string, use = "undefined"): Promise<Loaded> {
  const script = `
    const entry = require(${JSON.stringify(id)});
    const files = Object.keys(require.cache);
    const result = (${use})?.(entry);
    const root = require("pulumi-anton");
    const differFromRoot = Object.keys(entry).filter((name) => name in root && root[name] !== entry[name]);
    console.log(JSON.stringify({ files, exports: Object.keys(entry), differFromRoot, result }));`;
  const { stdout } = await run(process.execPath, ["-e", script], { cwd: ROOT });
  return JSON.parse(stdout) as Loaded;
}

describe("pulumi-anton/webhooks", () => {
  it("loads only its own files and Node built-ins, and verifies what it signs", async () => {
    const roundTrip = `(w) => {
      const secret = "whsec_" + "a".repeat(64);
      const rawBody = JSON.stringify({ id: "evt_1" });
      const headers = w.createSignatureHeaders({ secrets: [secret], body: rawBody });
      return w.verifyWebhookSignature({ rawBody, headers, secrets: ["whsec_" + "b".repeat(64), secret] });
    }`;
    const loaded = await load("pulumi-anton/webhooks", roundTrip);
    const own = path.join(DIST, "signature") + path.sep;
    // AntonArgumentError, the one argument error shared with the client, lives beside it with no imports.
    const shared = path.join(DIST, "argument-error.js");
    expect(loaded.files.length).toBeGreaterThan(1);
    expect(loaded.files.filter((file) => !file.startsWith(own) && file !== shared)).toEqual([]);
    expect(loaded.files.filter((file) => file.includes(`${path.sep}node_modules${path.sep}`))).toEqual([]);
    expect(loaded.result).toMatchObject({ scheme: "A", secretIndex: 1 });
  });

  it("exports the root's webhook names, bound to the same objects", async () => {
    const loaded = await load("pulumi-anton/webhooks");
    expect(loaded.exports.sort()).toEqual(
      [
        "AntonArgumentError",
        "DEFAULT_TOLERANCE_SECONDS",
        "WebhookConfigurationError",
        "WebhookVerificationError",
        "createSignatureHeaders",
        "safeVerifyWebhookSignature",
        "signWebhookPayload",
        "verifyWebhookSignature",
      ].sort(),
    );
    expect(loaded.differFromRoot).toEqual([]);
  });
});

describe("pulumi-anton/client", () => {
  it("loads the client without @pulumi/pulumi or the resource, with every client name the root exports", async () => {
    const loaded = await load("pulumi-anton/client", "(c) => c.ANTON_ENVIRONMENTS");
    expect(loaded.files.some((file) => file.startsWith(path.join(DIST, "client") + path.sep))).toBe(true);
    expect(loaded.files.filter((file) => file.includes(`${path.sep}@pulumi${path.sep}`))).toEqual([]);
    expect(loaded.files.filter((file) => file.startsWith(path.join(DIST, "resource") + path.sep))).toEqual([]);
    expect(loaded.result).toBeTypeOf("object");
    const rootClientNames = [
      "AntonClient",
      "AntonApiError",
      "AntonConfigError",
      "ANTON_ENVIRONMENTS",
      "credentialFingerprint",
      "resolveClientOptions",
      "REQUEST_CHANNEL",
      "RETRY_CHANNEL",
      "TOKEN_CHANNEL",
      "RATE_LIMIT_CHANNEL",
    ];
    for (const name of rootClientNames) expect(loaded.exports, name).toContain(name);
    expect(loaded.differFromRoot).toEqual([]);
  });
});
