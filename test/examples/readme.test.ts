/**
 * Keeps README.md true: every command it tells users to run exists, every setting and error code
 * the package has is documented, and every example folder it names exists (and vice versa).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, ENV_VARS, SETTINGS } from "../../provider/client/settings";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const README = read("README.md");
const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);
// js-yaml is pinned in package-lock.json (it comes with eslint); only tests parse YAML.
const yaml = require("js-yaml") as { load(text: string): unknown };

/** Every fenced shell block's lines. */
const shellLines = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n").map((l) => l.trim()).filter(Boolean));

describe("README.md", () => {
  it("keeps the exact quickstart and test commands", () => {
    expect(README).toContain("```sh\nnpm ci\nnpm run demo\n```");
    expect(README).toContain("```sh\nnpm ci\nnpm test\n```");
  });

  it("names only npm scripts the repository has", () => {
    const named = [...README.matchAll(/npm run ([a-z:-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(3);
    for (const name of new Set(named)) expect(scripts, `npm run ${name}`).toContain(name);
  });

  it("uses only npm commands that exist and never pnpm in its shell blocks", () => {
    for (const line of shellLines.filter((l) => /^(npm|npx|pnpm|yarn)\b/.test(l))) {
      expect(line, line).toMatch(/^(npm (ci|test|install pulumi-anton @pulumi\/pulumi)|npm run [a-z:-]+)$/);
    }
  });

  it("copies files that exist", () => {
    for (const line of shellLines.filter((l) => l.startsWith("cp "))) {
      expect(existsSync(path.join(ROOT, line.split(/\s+/)[1]!)), line).toBe(true);
    }
  });

  it("documents every stack config key and environment variable of the settings table", () => {
    const project = yaml.load(read("Pulumi.yaml")) as { main: string; config: Record<string, unknown> };
    expect(existsSync(path.join(ROOT, project.main))).toBe(true);
    const keys = Object.keys(project.config).filter((k) => k.startsWith("anton:"));
    expect(keys.sort()).toEqual([...CONFIG_KEYS].sort());
    expect(keys).toHaveLength(7);
    expect(ENV_VARS.length).toBeGreaterThanOrEqual(8);
    // Every ANTON_ variable the client code names is in the table (ANTON_ENVIRONMENTS is the exported map of URLs).
    const named = readdirSync(path.join(ROOT, "provider/client")).flatMap((f) => read(`provider/client/${f}`).match(/\bANTON_[A-Z_]+\b/g) ?? []);
    for (const name of new Set(named)) if (name !== "ANTON_ENVIRONMENTS") expect(ENV_VARS, name).toContain(name);
    const table = README.slice(README.indexOf("### Configuration"), README.indexOf("## Examples"));
    for (const name of [...CONFIG_KEYS, ...ENV_VARS]) expect(table, name).toContain(`\`${name}\``);
  });

  it("marks the credential keys secret in the settings table, Pulumi.yaml and the README table", () => {
    const project = yaml.load(read("Pulumi.yaml")) as { config: Record<string, { secret?: boolean }> };
    const secret = Object.entries(project.config).filter(([, v]) => v.secret).map(([k]) => k).sort();
    expect(secret).toEqual(["anton:clientSecret", "anton:dpopPrivateKey"]);
    expect(Object.values(SETTINGS).filter((s) => s.secret).map((s) => s.configKey).sort()).toEqual(secret);
    for (const key of secret) expect(README).toMatch(new RegExp(`\\| \`${key}\` \\|[^\\n]*\\| \\*\\*yes\\*\\* \\|`));
  });

  it("documents every error code the package raises", () => {
    const apiCodes = /Server error code \(snake_case\) or a local one: (.*)\./.exec(read("provider/client/errors.ts"))![1]!.match(/`([a-z_]+)`/g)!;
    const verifyCodes = read("provider/signature/errors.ts").match(/\| "([a-z_]+)"/g)!.map((c) => c.slice(3, -1));
    expect(apiCodes.length).toBeGreaterThanOrEqual(8);
    expect(verifyCodes.length).toBeGreaterThanOrEqual(6);
    const troubleshooting = README.slice(README.indexOf("## Troubleshooting"), README.indexOf("## Scale"));
    for (const code of [...apiCodes.map((c) => c.slice(1, -1)), ...verifyCodes, "missing_config", "invalid_config", "invalid_configuration", "invalid_argument", "AntonArgumentError"]) {
      expect(troubleshooting, code).toContain(code);
    }
  });

  it("lists every example folder, and every folder it lists exists", () => {
    const folders = readdirSync(path.join(ROOT, "examples"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(folders.length).toBeGreaterThanOrEqual(6);
    for (const f of folders) expect(README, f).toContain(`\`examples/${f}/\``);
    for (const [, f] of README.matchAll(/`examples\/([a-z-]+)\//g)) expect(folders, f).toContain(f);
  });

  it("has the performance, receiver and monitoring sections, with no placeholder left", () => {
    for (const heading of ["## Performance", "## Receiving webhooks across a rotation", "## Monitoring"]) {
      expect(README).toMatch(new RegExp(`^${heading}\\n\\n\\S`, "m"));
    }
    expect(README).not.toContain("TODO(lead)");
  });
});
