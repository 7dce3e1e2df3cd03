/**
 * Bad input to the emulator names the field at fault: `startEmulator` options (before anything
 * listens or a key file is written) and the admin API's fault arguments.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmulatorOptionError, startEmulator, type Emulator, type EmulatorOptions } from "../../provider/emulator";
import { http } from "./support";

describe("startEmulator options", () => {
  it.each<[string, unknown, string]>([
    ["port", { port: 70000 }, "emulator option port must be an integer from 0 to 65535"],
    ["port", { port: "8080" }, "emulator option port must be an integer from 0 to 65535"],
    ["tokenTtlSeconds", { tokenTtlSeconds: 0 }, "emulator option tokenTtlSeconds must be a positive integer"],
    ["graceSeconds", { graceSeconds: -1 }, "emulator option graceSeconds must be a number of seconds >= 0"],
    ["keyAlg", { keyAlg: "RS256" }, 'emulator option keyAlg must be "ES256" or "Ed25519"'],
    ["signatureScheme", { signatureScheme: "C" }, 'emulator option signatureScheme must be "A" or "B"'],
    ["rateLimit.limit", { rateLimit: { limit: 0, windowMs: 1000 } }, "emulator option rateLimit.limit must be a positive integer"],
    ["rateLimit.windowMs", { rateLimit: { limit: 5 } }, "emulator option rateLimit.windowMs must be a positive integer of milliseconds"],
    ["tls.cert", { tls: { key: "k" } }, "emulator option tls.cert must be a PEM string or Buffer"],
    ["keyFile", { keyFile: "" }, "emulator option keyFile must be a file path or false"],
    ["now", { now: 5 }, "emulator option now must be a function returning epoch milliseconds"],
    ['"prot"', { prot: 1 }, 'emulator option "prot" must be one of host, port'],
  ])("rejects a bad %s, naming it, before listening or writing a key", async (field, options, message) => {
    const keyFile = join(mkdtempSync(join(tmpdir(), "bad-input-")), "key.pem");
    const err = await startEmulator({ keyFile, ...(options as EmulatorOptions) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EmulatorOptionError);
    expect((err as EmulatorOptionError).field).toBe(field);
    expect((err as Error).message).toContain(message);
    expect(existsSync(keyFile)).toBe(false);
  });

  it("never echoes a TLS key it refuses", async () => {
    const key = "-----BEGIN PRIVATE KEY-----\nCANARY-KEY\n-----END PRIVATE KEY-----";
    const err = (await startEmulator({ tls: { key, cert: 42 as never } }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe("emulator option tls.cert must be a PEM string or Buffer");
    expect(JSON.stringify(err) + String(err) + err.stack).not.toContain("CANARY");
  });
});

describe("admin API fault arguments", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ keyFile: false });
  });
  afterAll(() => emu.close());
  const post = (body: unknown) =>
    http(`${emu.url}/__emulator/faults`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });

  it.each<[unknown, string]>([
    [{ action: "failNext", n: 1 }, "status must be a finite number"],
    [{ action: "failNext", status: 200 }, "status must be an integer from 400 to 599"],
    [{ action: "failNext", status: 503, n: 0 }, "n must be a positive integer"],
    [{ action: "failNext", status: 503, code: 7 }, "code must be a string"],
    [{ action: "delay", ms: "soon" }, "ms must be a finite number"],
    [{ action: "failNext", status: 503, routePattern: "(" }, "routePattern is not a valid regular expression"],
    [{ action: "failNext", status: 503, route: 5 }, "route must be a string"],
    [{ action: "random", rate: 0.5, kinds: ["meteor"] }, "kinds must list only drop-after-commit"],
    [{ action: "requireNonce", on: "yes" }, "on must be true or false"],
    [{ action: "explode" }, "action must be one of failNext, dropAfterCommit"],
    [[1, 2], "request body must be a JSON object"],
  ])("refuses %j, naming the field", async (body, message) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.message).toContain(message);
  });

  it("applies nothing from a refused request", async () => {
    await post({ action: "failNext", status: 200 });
    const jwks = await http(`${emu.url}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    expect(emu.faults.injected).toEqual({});
  });
});
