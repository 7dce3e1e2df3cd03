/**
 * Bad input: every malformed resource argument, stack config value, environment
 * variable and key gets a clear error that names the offending field and says how
 * to fix it, from `check` (or client construction), before any request: the
 * emulator sees nothing and nothing changes. Part of the table runs through the
 * real dynamic-provider plugin (Configure + Check over gRPC, env through the
 * plugin's environment), the rest through `check` directly.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookSecretProvider } from "../../provider/resource/lifecycle";
import { closeClients } from "../../provider/resource/clients";
import { configOf, startAnton, type AntonFixture } from "../support/anton";
import { startPlugin, urnOf, wrapSecret } from "../support/plugin";
import { serializeProvider } from "../support/serialize";
import { badKeys, keyFragments } from "./keys";

const dist = require("../../dist/provider/resource/shim.js") as typeof import("../../provider/resource/shim");

type Where = "args" | "config" | "env" | "key";
interface Case {
  name: string;
  where: Where;
  /** Resource args (default: a valid webhook id). */
  args?: Record<string, unknown>;
  /** Overrides of the valid stack config (`undefined` removes a key). */
  config?: Record<string, string | undefined>;
  /** Overrides of the valid environment; when set, stack config carries no anton keys. */
  env?: Record<string, string | undefined>;
  /** The failure's property must match this... */
  field: RegExp;
  /** ...and its reason must say how to fix it. */
  fix: RegExp;
  /** Also drive this case through the real plugin. */
  plugin?: boolean;
  /** Values that must not appear in the error. */
  secrets?: string[];
}

const keys = badKeys();
const dir = mkdtempSync(join(tmpdir(), "anton-bad-input-"));
const keyPath = join(dir, "key.pem");
writeFileSync(keyPath, keys.ed25519Pem, { mode: 0o600 });

const API_URL = /anton:apiUrl.*ANTON_API_URL/;
const KEY = /anton:dpopPrivateKey.*ANTON_DPOP_PRIVATE_KEY/;
const WEBHOOK_FIX = /\^wbh_\[A-Za-z0-9\]\+\$.*Copy the id/;
const DURATION_FIX = /"90m", "12h", "30d"/;

const CASES: Case[] = [
  // Resource args
  { name: "webhookId with a slash", where: "args", args: { webhookId: "wbh_abc/def" }, field: /^webhookId$/, fix: WEBHOOK_FIX, plugin: true },
  { name: "webhookId with ..", where: "args", args: { webhookId: "wbh_../../x" }, field: /^webhookId$/, fix: WEBHOOK_FIX, plugin: true },
  { name: "webhookId with spaces", where: "args", args: { webhookId: "wbh_abc def" }, field: /^webhookId$/, fix: WEBHOOK_FIX, plugin: true },
  { name: "webhookId with unicode", where: "args", args: { webhookId: "wbh_abcé" }, field: /^webhookId$/, fix: WEBHOOK_FIX, plugin: true },
  { name: "webhookId with the wrong prefix", where: "args", args: { webhookId: "whk_abc123" }, field: /^webhookId$/, fix: WEBHOOK_FIX, plugin: true },
  { name: "webhookId missing", where: "args", args: {}, field: /^webhookId$/, fix: /is required.*wbh_/, plugin: true },
  { name: "webhookId a number", where: "args", args: { webhookId: 42 }, field: /^webhookId$/, fix: WEBHOOK_FIX },
  { name: "webhookId too long", where: "args", args: { webhookId: `wbh_${"a".repeat(65)}` }, field: /^webhookId$/, fix: /at most 64/ },
  { name: "rotateAfter -1d", where: "args", args: { rotateAfter: "-1d" }, field: /^rotateAfter$/, fix: DURATION_FIX, plugin: true },
  { name: "rotateAfter 30x", where: "args", args: { rotateAfter: "30x" }, field: /^rotateAfter$/, fix: DURATION_FIX, plugin: true },
  { name: "rotateAfter 0", where: "args", args: { rotateAfter: "0" }, field: /^rotateAfter$/, fix: DURATION_FIX, plugin: true },
  { name: "rotateAfter 1e9d", where: "args", args: { rotateAfter: "1e9d" }, field: /^rotateAfter$/, fix: DURATION_FIX, plugin: true },
  { name: "rotateAfter 0m (below a minute)", where: "args", args: { rotateAfter: "0m" }, field: /^rotateAfter$/, fix: /at least 1 minute/ },
  { name: "rotateAfter 3651d (over ten years)", where: "args", args: { rotateAfter: "3651d" }, field: /^rotateAfter$/, fix: /at most 3650 days/ },
  { name: "rotateAfter a number", where: "args", args: { rotateAfter: 30 }, field: /^rotateAfter$/, fix: /must be a string.*"30d"/ },
  { name: "trigger value a number", where: "args", args: { triggers: { release: 5 } }, field: /^triggers\.release$/, fix: /must be a string.*String\(value\)/, plugin: true },
  { name: "trigger value a boolean", where: "args", args: { triggers: { enabled: true } }, field: /^triggers\.enabled$/, fix: /must be a string/ },
  { name: "trigger value an object", where: "args", args: { triggers: { nested: { a: 1 } } }, field: /^triggers\.nested$/, fix: /JSON\.stringify/, plugin: true },
  { name: "triggers not a map", where: "args", args: { triggers: ["a"] }, field: /^triggers$/, fix: /map of string keys.*Example/ },
  { name: "keepPrevious a string", where: "args", args: { keepPrevious: "yes" }, field: /^keepPrevious$/, fix: /must be true or false/ },
  { name: "adopt a number", where: "args", args: { adopt: 1 }, field: /^adopt$/, fix: /must be true or false/ },

  // Stack config
  { name: "empty client secret", where: "config", config: { "anton:clientSecret": "" }, field: /anton:clientSecret.*ANTON_CLIENT_SECRET/, fix: /pulumi config set --secret anton:clientSecret/, plugin: true },
  { name: "client secret with whitespace", where: "config", config: { "anton:clientSecret": " ant_ocs_sandbox_x " }, field: /anton:clientSecret/, fix: /whitespace; remove it/ },
  { name: "missing client id", where: "config", config: { "anton:clientId": undefined }, field: /anton:clientId.*ANTON_CLIENT_ID/, fix: /pulumi config set anton:clientId/ },
  { name: "http:// to a non-loopback host", where: "config", config: { "anton:apiUrl": "http://api.antonpayments.com" }, field: API_URL, fix: /requires TLS \(https:\/\/\)/, plugin: true },
  { name: "URL with a query string", where: "config", config: { "anton:apiUrl": "https://api.antonpayments.com/?env=prod" }, field: API_URL, fix: /query string; use the bare origin/, plugin: true },
  { name: "URL with credentials", where: "config", config: { "anton:apiUrl": "https://user:pa55@api.antonpayments.com" }, field: API_URL, fix: /username or password; remove them/, secrets: ["pa55"] },
  { name: "URL with a path", where: "config", config: { "anton:apiUrl": "https://api.antonpayments.com/v1" }, field: API_URL, fix: /without \/v1/ },
  { name: "URL with another scheme", where: "config", config: { "anton:apiUrl": "ftp://api.antonpayments.com" }, field: API_URL, fix: /use https:\/\// },
  { name: "unknown environment name", where: "config", config: { "anton:apiUrl": undefined, "anton:environment": "staging" }, field: /^anton:environment$/, fix: /"production" or "sandbox"/ },
  { name: "maxConcurrency not a number", where: "config", config: { "anton:maxConcurrency": "lots" }, field: /anton:maxConcurrency/, fix: /integer from 1 to 256/ },
  { name: "maxConcurrency 0", where: "config", config: { "anton:maxConcurrency": "0" }, field: /anton:maxConcurrency/, fix: /integer from 1 to 256/ },
  { name: "dpopAlg RS256", where: "config", config: { "anton:dpopAlg": "RS256" }, field: /anton:dpopAlg/, fix: /ES256, EdDSA or Ed25519/ },

  // Environment variables (stack config holds no anton keys)
  { name: "ANTON_API_URL http:// to a private address", where: "env", env: { ANTON_API_URL: "http://10.0.0.7:8080" }, field: API_URL, fix: /requires TLS/, plugin: true },
  { name: "ANTON_CLIENT_SECRET empty", where: "env", env: { ANTON_CLIENT_SECRET: "" }, field: /ANTON_CLIENT_SECRET/, fix: /export ANTON_CLIENT_SECRET/, plugin: true },
  { name: "ANTON_ENVIRONMENT unknown", where: "env", env: { ANTON_API_URL: undefined, ANTON_ENVIRONMENT: "prod" }, field: /^ANTON_ENVIRONMENT$/, fix: /"production" or "sandbox"/, plugin: true },
  { name: "ANTON_DPOP_PRIVATE_KEY_FILE unreadable", where: "env", env: { ANTON_DPOP_PRIVATE_KEY: undefined, ANTON_DPOP_PRIVATE_KEY_FILE: join(dir, "missing.pem") }, field: /^ANTON_DPOP_PRIVATE_KEY_FILE$/, fix: /ENOENT.*check the path/, plugin: true },
  { name: "both ANTON_DPOP_PRIVATE_KEY and _FILE", where: "env", env: { ANTON_DPOP_PRIVATE_KEY_FILE: keyPath }, field: KEY, fix: /set only one/, plugin: true },
  { name: "ANTON_MAX_CONCURRENCY 1000", where: "env", env: { ANTON_MAX_CONCURRENCY: "1000" }, field: /ANTON_MAX_CONCURRENCY/, fix: /integer from 1 to 256/ },

  // Keys
  { name: "RSA private key", where: "key", config: { "anton:dpopPrivateKey": keys.rsaPem }, field: KEY, fix: /RSA key; Anton accepts EC P-256/, secrets: keyFragments(keys.rsaPem) },
  { name: "EC P-384 private key", where: "key", config: { "anton:dpopPrivateKey": keys.p384Pem }, field: KEY, fix: /P-384 key; Anton accepts EC P-256/, secrets: keyFragments(keys.p384Pem), plugin: true },
  { name: "public key where the private key belongs", where: "key", config: { "anton:dpopPrivateKey": keys.publicPem }, field: KEY, fix: /public key.*private key is required/, secrets: keyFragments(keys.publicPem) },
  { name: "truncated PEM", where: "key", config: { "anton:dpopPrivateKey": keys.truncatedPem }, field: KEY, fix: /truncated or garbled.*complete PKCS#8 PEM/, secrets: keyFragments(keys.truncatedPem) },
  { name: "encrypted PEM", where: "key", config: { "anton:dpopPrivateKey": keys.encryptedPem }, field: KEY, fix: /unencrypted PKCS#8/, secrets: keyFragments(keys.encryptedPem) },
  { name: "JWK without d", where: "key", config: { "anton:dpopPrivateKey": keys.publicJwkJson }, field: KEY, fix: /no "d" member.*private JWK is required/, secrets: keyFragments(keys.publicJwkJson) },
  { name: "RSA JWK", where: "key", config: { "anton:dpopPrivateKey": keys.rsaJwkJson }, field: KEY, fix: /RSA key/, secrets: keyFragments(keys.rsaJwkJson) },
  { name: "JSON that does not parse", where: "key", config: { "anton:dpopPrivateKey": '{"kty":"EC",' }, field: KEY, fix: /does not parse/ },
  { name: "a file path instead of a key", where: "key", config: { "anton:dpopPrivateKey": "./keys/dpop.pem" }, field: KEY, fix: /ANTON_DPOP_PRIVATE_KEY_FILE to the path/ },
  { name: "Ed25519 key with dpopAlg ES256", where: "key", config: { "anton:dpopPrivateKey": keys.ed25519Pem, "anton:dpopAlg": "ES256" }, field: /anton:dpopAlg/, fix: /unset .* or make it match the key/, secrets: keyFragments(keys.ed25519Pem) },
];

let anton: AntonFixture;
let hookId: string;
let secretBefore: string;
let providerText: string;
const covered: Record<Where, number> = { args: 0, config: 0, env: 0, key: 0 };
let viaPlugin = 0;

beforeAll(async () => {
  anton = await startAnton();
  const hook = anton.emulator.createWebhook();
  hookId = hook.id;
  secretBefore = hook.secret;
  providerText = (await serializeProvider(dist.webhookSecretShim)).text;
});
afterAll(async () => {
  console.log(`bad input: ${CASES.length} cases (${JSON.stringify(covered)}), ${viaPlugin} also through the plugin over gRPC; requests at the emulator: ${anton.emulator.state.requests.total}`);
  await closeClients();
  await anton.emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

function inputsOf(c: Case): { config: Record<string, string>; env: Record<string, string>; args: Record<string, unknown> } {
  const merge = (base: Record<string, string>, over: Record<string, string | undefined> = {}) => {
    const out = { ...base, ...over } as Record<string, string | undefined>;
    for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
    return out as Record<string, string>;
  };
  const args = c.args ?? { webhookId: hookId };
  if (c.env) return { config: {}, env: merge(anton.env, c.env), args };
  return { config: merge(anton.config, c.config), env: {}, args };
}

function expectClean(c: Case, failures: Array<{ property: string; reason: string }>) {
  expect(failures.length, `${c.name}: ${JSON.stringify(failures)}`).toBeGreaterThan(0);
  const hit = failures.find((f) => c.field.test(f.property));
  expect(hit, `${c.name}: no failure names ${c.field}: ${JSON.stringify(failures)}`).toBeDefined();
  expect(hit!.reason, c.name).toMatch(c.fix);
  const text = JSON.stringify(failures);
  for (const s of c.secrets ?? []) expect(text, `${c.name} leaks key material`).not.toContain(s);
}

function expectNothingChanged() {
  const { state } = anton.emulator;
  expect(state.requests.total).toBe(0);
  expect(state.tokensMinted).toBe(0);
  expect(state.rotations(hookId)).toBe(0);
  expect(state.currentSecret(hookId)).toBe(secretBefore);
}

describe(`bad input: ${CASES.length} malformed values, each refused before any request`, () => {
  it("the table covers at least 30 cases across args, stack config, environment and keys", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    for (const where of ["args", "config", "env", "key"] as const) expect(CASES.filter((c) => c.where === where).length).toBeGreaterThanOrEqual(4);
  });

  it.each(CASES.map((c) => [c.name, c] as const))("check: %s", async (_name, c) => {
    const { config, env, args } = inputsOf(c);
    const warnings: string[] = [];
    const provider = createWebhookSecretProvider({ env, warn: (m) => warnings.push(m) });
    await provider.configure({ config: configOf(config) });
    const { failures } = await provider.check!({}, args);
    expectClean(c, failures ?? []);
    expect(warnings).toEqual([]);
    expectNothingChanged();
    covered[c.where] += 1;
  });

  it("the same failures come back through the real plugin (Configure + Check over gRPC, env from the plugin's environment)", async () => {
    const pluginCases = CASES.filter((c) => c.plugin);
    // Args cases share one plugin (one configuration); every config/env/key case needs its own process.
    const groups = new Map<string, Case[]>();
    for (const c of pluginCases) {
      const key = c.where === "args" ? "args" : c.name;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const { config, env } = inputsOf(group[0]!);
        const plugin = await startPlugin({ env });
        try {
          const wire: Record<string, unknown> = { ...config, "aws:region": "eu-west-1" };
          for (const k of ["anton:clientSecret", "anton:dpopPrivateKey"]) if (k in wire) wire[k] = wrapSecret(wire[k]);
          await plugin.configure(wire);
          for (const c of group) {
            const { args } = inputsOf(c);
            const { failures } = await plugin.check(urnOf(`bad-${viaPlugin}`), {}, { ...args, __provider: providerText });
            expectClean(c, failures);
            viaPlugin += 1;
          }
          for (const c of group) for (const s of c.secrets ?? []) expect(plugin.stderr() + plugin.stdout()).not.toContain(s);
        } finally {
          await plugin.close();
        }
      }),
    );
    expect(viaPlugin).toBe(pluginCases.length);
    expect(pluginCases.filter((c) => c.where === "env").length).toBeGreaterThanOrEqual(4);
    expectNothingChanged();
  }, 60_000);
});
