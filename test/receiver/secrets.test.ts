/** The secrets document (AWS example JSON) and its env/file sources, including reload and keeping the last good secrets. */
import { createHash } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  envSecretsSource,
  fileSecretsSource,
  parseSecretsJson,
  secretFingerprint,
  SecretsUnavailableError,
} from "../../examples/receiver/secrets";
import { RecentIds } from "../../examples/receiver/recent-ids";
import { secretsFile } from "./support";

const A = `whsec_${"a".repeat(64)}`;
const B = `whsec_${"b".repeat(64)}`;
const AT = "2026-01-01T00:00:00.000Z";
const doc = (current: unknown, previous: unknown = "", extra: Record<string, unknown> = {}) =>
  JSON.stringify({ current, previous, rotatedAt: AT, ...extra });

/** Asserts a throw whose message names the problem but contains no secret material. */
function expectSafeError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SecretsUnavailableError);
  const message = (caught as Error).message;
  expect(message).toMatch(pattern);
  expect(message).not.toContain("whsec_a");
  expect(message).not.toContain("aaaa");
}

describe("parseSecretsJson", () => {
  it("reads the AWS example's document {current, previous, rotatedAt, fingerprint}", () => {
    const fingerprint = createHash("sha256").update(A).digest("hex").slice(0, 16);
    expect(secretFingerprint(A)).toBe(fingerprint);
    expect(parseSecretsJson(doc(A, B, { fingerprint }), "src")).toEqual({ current: A, previous: B, rotatedAt: AT });
  });

  it("an empty, missing or equal previous means current only", () => {
    expect(parseSecretsJson(doc(A, ""), "src")).toEqual({ current: A });
    expect(parseSecretsJson(JSON.stringify({ current: A }), "src")).toEqual({ current: A });
    expect(parseSecretsJson(doc(A, null), "src")).toEqual({ current: A });
    expect(parseSecretsJson(doc(A, A), "src")).toEqual({ current: A });
  });

  it("rejects, without quoting the input: bad JSON, non-objects, missing/empty/non-string current, whitespace, a mismatched fingerprint", () => {
    expectSafeError(() => parseSecretsJson(`{"current": "${A}",`, "SRC_VAR"), /^SRC_VAR: not valid JSON/);
    expectSafeError(() => parseSecretsJson(`["${A}"]`, "src"), /expected a JSON object/);
    expectSafeError(() => parseSecretsJson(doc(""), "src"), /"current" is missing or empty/);
    expectSafeError(() => parseSecretsJson(JSON.stringify({ previous: A }), "src"), /"current" is missing/);
    expectSafeError(() => parseSecretsJson(doc(42), "src"), /"current" must be a string/);
    expectSafeError(() => parseSecretsJson(doc(`${A}\n`), "src"), /"current" has leading or trailing whitespace/);
    expectSafeError(() => parseSecretsJson(doc(B, ` ${A}`), "src"), /"previous" has leading or trailing whitespace/);
    expectSafeError(() => parseSecretsJson(doc(A, B, { fingerprint: secretFingerprint(B) }), "src"), /fingerprint" does not match "current"/);
  });
});

describe("envSecretsSource", () => {
  it("parses the variable once", () => {
    const env = { ANTON_WEBHOOK_SECRETS_JSON: doc(A, B) };
    const get = envSecretsSource("ANTON_WEBHOOK_SECRETS_JSON", env);
    env.ANTON_WEBHOOK_SECRETS_JSON = doc(B);
    expect(get()).toEqual({ current: A, previous: B, rotatedAt: AT });
  });

  it("unset or blank: an error naming the variable", () => {
    expectSafeError(() => envSecretsSource("ANTON_WEBHOOK_SECRETS_JSON", {}), /^ANTON_WEBHOOK_SECRETS_JSON is not set\.$/);
    expectSafeError(() => envSecretsSource("X", { X: "  " }), /^X is not set/);
  });
});

describe("fileSecretsSource", () => {
  it("re-reads when the file is replaced, and reports fingerprints (never secrets) on load", () => {
    const file = secretsFile();
    file.write(doc(A));
    const loads: unknown[] = [];
    const source = fileSecretsSource(file.path, { onLoad: (info) => loads.push(info) });
    expect(source.get()).toEqual({ current: A });
    expect(source.get()).toEqual({ current: A });
    file.write(doc(B, A));
    expect(source.get()).toEqual({ current: B, previous: A, rotatedAt: AT });
    expect(loads).toEqual([
      { fingerprint: secretFingerprint(A), hasPrevious: false },
      { fingerprint: secretFingerprint(B), hasPrevious: true },
    ]);
  });

  it("notices an in-place rewrite of the same size", () => {
    const file = secretsFile();
    writeFileSync(file.path, doc(A));
    const source = fileSecretsSource(file.path);
    expect(source.get().current).toBe(A);
    writeFileSync(file.path, doc(B));
    expect(source.get().current).toBe(B);
  });

  it("a broken or missing file never replaces good secrets; the error is reported once per change", () => {
    const file = secretsFile();
    file.write(doc(A, B));
    const errors: string[] = [];
    const source = fileSecretsSource(file.path, { onError: (e) => errors.push(e.message) });
    expect(source.get()).toEqual({ current: A, previous: B, rotatedAt: AT });
    file.write(`{"current": "${B}"`);
    expect(source.get()).toEqual({ current: A, previous: B, rotatedAt: AT });
    expect(source.get()).toEqual({ current: A, previous: B, rotatedAt: AT });
    rmSync(file.path);
    expect(source.get()).toEqual({ current: A, previous: B, rotatedAt: AT });
    expect(errors).toEqual(["secrets file: not valid JSON; expected {\"current\": \"whsec_...\", \"previous\": \"whsec_...\" | \"\"}.", "secrets file: cannot be read (ENOENT)."]);
    file.write(doc(B));
    expect(source.get()).toEqual({ current: B });
  });

  it("with no good secrets yet, get() throws (the receiver answers 503)", () => {
    const file = secretsFile();
    const source = fileSecretsSource(file.path);
    expectSafeError(() => source.get(), /cannot be read \(ENOENT\)/);
    file.write(doc(A));
    expect(source.get()).toEqual({ current: A });
  });

  it("reload() re-reads on demand (SIGHUP) and says whether it worked", () => {
    const file = secretsFile();
    file.write(doc(A));
    const source = fileSecretsSource(file.path);
    expect(source.reload()).toBe(true);
    file.write("nope");
    expect(source.reload()).toBe(false);
    expect(source.get()).toEqual({ current: A });
  });
});

describe("RecentIds", () => {
  it("reports duplicates, evicts the oldest beyond maxEntries, and forgets after the TTL", () => {
    let now = 0;
    const ids = new RecentIds({ maxEntries: 3, ttlMs: 1000, now: () => now });
    expect(["a", "b", "c"].map((id) => ids.add(id))).toEqual([true, true, true]);
    expect(ids.add("b")).toBe(false);
    expect(ids.add("d")).toBe(true);
    expect(ids.size).toBe(3);
    expect(ids.add("a")).toBe(true); // evicted by "d"
    now = 1000;
    expect(ids.size).toBe(3);
    expect(ids.add("b")).toBe(true); // expired
    expect(ids.size).toBe(1);
    ids.delete("b");
    expect(ids.add("b")).toBe(true);
  });

  it("stays bounded under a flood of unique ids", () => {
    const ids = new RecentIds({ maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) ids.add(`evt_${i}`);
    expect(ids.size).toBe(100);
    expect(ids.add("evt_9999")).toBe(false);
    expect(ids.add("evt_0")).toBe(true);
  });
});
