/**
 * Keeps README.md and docs/ true: the README stays a front door (at most 200 lines), every link
 * resolves, every command they tell users to run exists, every setting and error code the package
 * has is documented, and every example folder they name exists (and vice versa).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, ENV_VARS, SETTINGS } from "../../provider/client/settings";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const README = read("README.md");
const DOCS = readdirSync(path.join(ROOT, "docs"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".md"))
  .map((f) => path.join("docs", f));
/** The README and every page under docs/, as one text. */
const ALL = [README, ...DOCS.map(read)].join("\n");
const doc = (file: string) => read(path.join("docs", file));
const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);
// js-yaml is pinned in package-lock.json (it comes with eslint); only tests parse YAML.
const yaml = require("js-yaml") as { load(text: string): unknown };

/** Every fenced shell block's lines, README and docs. */
const shellLines = [...ALL.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n").map((l) => l.trim()).filter(Boolean));

/** GitHub's anchor for a heading. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");

describe("README.md and docs/", () => {
  it("keeps the README a front door of at most 200 lines, linking every page under docs/", () => {
    expect(README.split("\n").length).toBeLessThanOrEqual(200);
    for (const file of DOCS) expect(README, file).toContain(`](${file})`);
  });

  it("has no link that does not resolve, to a file or to a heading", () => {
    let checked = 0;
    for (const file of ["README.md", ...DOCS]) {
      for (const [, target] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
        const [rel, hash] = target!.split("#") as [string, string | undefined];
        const dest = rel ? path.join(path.dirname(file), rel) : file;
        expect(existsSync(path.join(ROOT, dest)), `${file}: ${target}`).toBe(true);
        if (hash) {
          const headings = [...read(dest).matchAll(/^#+ (.*)$/gm)].map((m) => anchor(m[1]!));
          expect(headings, `${file}: ${target}`).toContain(hash);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it("keeps the exact quickstart and test commands", () => {
    expect(README).toContain("```sh\nnpm ci\nnpm run demo\n```");
    expect(README).toContain("```sh\nnpm ci\nnpm test\nnpm run test:e2e\n```");
  });

  it("names only npm scripts the repository has", () => {
    const named = [...ALL.matchAll(/npm run ([a-z0-9:-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(3);
    for (const name of new Set(named)) expect(scripts, `npm run ${name}`).toContain(name);
  });

  it("uses only npm commands that exist and never pnpm in its shell blocks", () => {
    for (const line of shellLines.map((l) => l.replace(/\s+#.*$/, "")).filter((l) => /^(npm|npx|pnpm|yarn)\b/.test(l))) {
      // npx only for this package's own bins.
      expect(line, line).toMatch(/^(npm (ci|test|install pulumi-anton @pulumi\/pulumi)|npm run [a-z0-9:-]+( -- .*)?|npx (anton-emulator|anton-api)( .*)?)$/);
    }
  });

  it("copies files that exist", () => {
    for (const line of shellLines.filter((l) => l.startsWith("cp "))) {
      expect(existsSync(path.join(ROOT, line.split(/\s+/)[1]!)), line).toBe(true);
    }
  });

  it("documents every stack config key and environment variable of the settings table", () => {
    const project = yaml.load(read("Pulumi.yaml")) as { main: string };
    expect(existsSync(path.join(ROOT, project.main))).toBe(true);
    expect(CONFIG_KEYS).toHaveLength(7);
    expect(ENV_VARS.length).toBeGreaterThanOrEqual(8);
    // Pulumi.yaml can name another namespace's keys only in comments (the engine refuses them without a value).
    const comments = read("Pulumi.yaml").split("\n").filter((l) => l.startsWith("#")).join("\n");
    for (const key of CONFIG_KEYS) expect(comments, key).toContain(key);
    // Every ANTON_ variable the client code names is in the table (ANTON_ENVIRONMENTS is the exported map of URLs).
    const named = readdirSync(path.join(ROOT, "provider/client")).flatMap((f) => read(`provider/client/${f}`).match(/\bANTON_[A-Z_]+\b/g) ?? []);
    for (const name of new Set(named)) if (name !== "ANTON_ENVIRONMENTS") expect(ENV_VARS, name).toContain(name);
    const table = README.slice(README.indexOf("## Configuration"), README.indexOf("## What each Pulumi command does"));
    for (const name of [...CONFIG_KEYS, ...ENV_VARS]) expect(table, name).toContain(`\`${name}\``);
  });

  it("marks the credential keys secret in the settings table and the README table", () => {
    const secret = Object.values(SETTINGS).filter((s) => s.secret).map((s) => s.configKey).sort();
    expect(secret).toEqual(["anton:clientSecret", "anton:dpopPrivateKey"]);
    for (const key of secret) expect(README).toMatch(new RegExp(`\\| \`${key}\` \\|[^\\n]*\\| \\*\\*yes\\*\\* \\|`));
  });

  it("documents every error code the package raises", () => {
    const apiCodes = /Server error code \(snake_case\) or a local one: (.*)\./.exec(read("provider/client/errors.ts"))![1]!.match(/`([a-z_]+)`/g)!;
    const verifyCodes = read("provider/signature/errors.ts").match(/\| "([a-z_]+)"/g)!.map((c) => c.slice(3, -1));
    expect(apiCodes.length).toBeGreaterThanOrEqual(8);
    expect(verifyCodes.length).toBeGreaterThanOrEqual(6);
    const troubleshooting = doc("troubleshooting.md");
    for (const code of [...apiCodes.map((c) => c.slice(1, -1)), ...verifyCodes, "missing_config", "invalid_config", "invalid_configuration", "invalid_argument", "AntonArgumentError"]) {
      expect(troubleshooting, code).toContain(code);
    }
  });

  it("lists every example folder, and every folder it lists exists", () => {
    const folders = readdirSync(path.join(ROOT, "examples"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(folders.length).toBeGreaterThanOrEqual(6);
    for (const f of folders) expect(doc("recipes.md"), f).toContain(`\`examples/${f}/\``);
    for (const [, f] of ALL.matchAll(/`examples\/([a-z-]+)\//g)) expect(folders, f).toContain(f);
  });

  it("states one Node.js policy: engines, the README, the sample workflow and the Node running this suite agree", () => {
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    const [, major, minor] = /^>=(\d+)\.(\d+)$/.exec(engines)!;
    expect(README).toContain(`Needs Node.js ≥ ${major}.${minor} and`);
    const decisions = doc("decisions.md");
    expect(decisions).toContain(`runs on\n  Node.js ≥ ${major}.${minor}, so \`engines\` says \`${engines}\``);
    // CI runs `npm test` on the Node it has: that Node must be one `engines` allows.
    const [runMajor, runMinor] = process.versions.node.split(".").map(Number) as [number, number];
    expect(runMajor > Number(major) || (runMajor === Number(major) && runMinor >= Number(minor)), process.version).toBe(true);
    // The newest @pulumi/pulumi (the one pinned here) sets the Node a user's workflow needs.
    const pulumiEngines = (JSON.parse(read("node_modules/@pulumi/pulumi/package.json")) as { engines: { node: string } }).engines.node;
    const pulumiMajor = /^>=(\d+)$/.exec(pulumiEngines)![1]!;
    expect(README).toContain(`need Node.js ≥ ${pulumiMajor}`);
    const wf = yaml.load(read("examples/scheduled-rotation/.github/workflows/rotate-webhook-secrets.yml")) as {
      jobs: Record<string, { steps: Array<{ uses?: string; with?: { "node-version"?: unknown } }> }>;
    };
    const versions = Object.values(wf.jobs).flatMap((job) => job.steps.filter((s) => s.uses?.startsWith("actions/setup-node")).map((s) => String(s.with?.["node-version"])));
    expect(versions.length).toBe(2);
    for (const v of versions) expect(v).toBe(pulumiMajor);
    expect(decisions).toContain(`The sample workflow uses Node ${pulumiMajor}`);
  });

  it("has the performance, receiver and monitoring pages, with no placeholder left", () => {
    for (const [file, heading] of [
      ["performance.md", "## Performance"],
      ["webhooks.md", "# Receiving webhooks across a rotation"],
      ["monitoring.md", "# Monitoring"],
    ] as const) {
      expect(doc(file)).toMatch(new RegExp(`^${heading}\\n\\n\\S`, "m"));
    }
    expect(ALL).not.toContain("TODO(lead)");
  });
});
