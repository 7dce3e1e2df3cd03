import { describe, expect, it } from "vitest";
import { parseEmulatorArgs } from "../../provider/emulator/cli-args";
import { parseApiArgs, redactBody } from "../../provider/api-cli/args";

describe("anton-emulator flags", () => {
  it("maps every flag onto startEmulator options", () => {
    const argv = ["--port=0", "--key-alg", "Ed25519", "--grace-seconds", "5", "--signature-scheme", "B", "--token-ttl-seconds=60", "--no-rate-limit", "--json"];
    expect(parseEmulatorArgs(argv, {})).toEqual({
      kind: "run",
      json: true,
      options: { host: "127.0.0.1", port: 0, keyAlg: "Ed25519", graceSeconds: 5, signatureScheme: "B", tokenTtlSeconds: 60, rateLimit: false },
    });
  });

  it("takes the port from ANTON_EMULATOR_PORT unless --port is given", () => {
    expect(parseEmulatorArgs([], { ANTON_EMULATOR_PORT: "4010" })).toMatchObject({ options: { port: 4010 } });
    expect(parseEmulatorArgs(["--port", "4011"], { ANTON_EMULATOR_PORT: "4010" })).toMatchObject({ options: { port: 4011 } });
    expect(parseEmulatorArgs(["-h"], {})).toEqual({ kind: "help" });
  });
});

describe("anton-api arguments and redaction", () => {
  it("templates ids out of the route used for monitoring", () => {
    expect(parseApiArgs(["post", "/v1/webhooks/wbh_01HX/secret/rotate"])).toEqual({
      kind: "request",
      request: { method: "POST", path: "/v1/webhooks/wbh_01HX/secret/rotate", route: "/v1/webhooks/:id/secret/rotate", showSecrets: false, idempotencyKey: undefined },
    });
    expect(parseApiArgs(["GET", "/v1/webhooks?limit=5"])).toMatchObject({ request: { route: "/v1/webhooks" } });
  });

  it("redacts secret-named fields and secret-shaped strings anywhere, and nothing else", () => {
    const body = {
      data: [{ id: "wbh_1", url: "http://127.0.0.1/x", secret: "anything", signing_secret: "s3" }],
      note: "rotated to whsec_AbC123 just now",
      access_token: "tok",
      count: 3,
      empty_secret: "",
    };
    expect(redactBody(body)).toEqual({
      data: [{ id: "wbh_1", url: "http://127.0.0.1/x", secret: "[REDACTED]", signing_secret: "[REDACTED]" }],
      note: "rotated to [REDACTED] just now",
      access_token: "[REDACTED]",
      count: 3,
      empty_secret: "",
    });
  });
});
