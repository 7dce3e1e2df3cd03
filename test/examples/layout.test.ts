/**
 * The example projects as the Pulumi CLI will read them: each folder has a Pulumi.yaml that
 * points at a program that exists, declares every config key the program reads, and the root
 * quickstart project marks the credential keys secret. The README has a section for each.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { EXAMPLES } from "./support";

// js-yaml comes with @pulumi/pulumi (which parses Pulumi.yaml with it too).
const yaml = require("js-yaml") as { load(text: string): unknown };
const ROOT = path.resolve(EXAMPLES, "..");

interface Project {
  name: string;
  runtime: { name: string; options?: Record<string, unknown> } | string;
  main?: string;
  config?: Record<string, { type?: string; description?: string; secret?: boolean; default?: unknown }>;
}

function project(file: string): Project {
  return yaml.load(readFileSync(file, "utf8")) as Project;
}

/** Keys the program reads through `new pulumi.Config()` (project namespace). */
function keysRead(program: string): string[] {
  const text = readFileSync(program, "utf8");
  return [...new Set([...text.matchAll(/config\.(?:require|get)(?:Boolean|Number|Object|Secret)?\("([A-Za-z0-9_]+)"\)/g)].map((m) => m[1]!))].sort();
}

const PULUMI_EXAMPLES = ["aws-secrets-manager", "cross-stack", "force-rotation", "scheduled-rotation", "testing"];

describe("example projects", () => {
  it("the root project runs examples/quickstart/, declares its config, and names the anton keys only in comments", () => {
    const root = project(path.join(ROOT, "Pulumi.yaml"));
    expect(root.name).toBe("quickstart");
    expect(typeof root.runtime === "string" ? root.runtime : root.runtime.name).toBe("nodejs");
    expect(root.main).toBe("examples/quickstart/");
    expect(existsSync(path.join(ROOT, root.main!, "index.ts"))).toBe(true);
    const config = root.config!;
    for (const key of keysRead(path.join(EXAMPLES, "quickstart", "index.ts"))) expect(config).toHaveProperty([`quickstart:${key}`]);
    // The engine refuses a key of another namespace without a `value` ("is namespaced and must provide
    // an attribute 'value'", test/e2e/examples.test.ts), so the provider's keys are documented in comments.
    expect(Object.keys(config).filter((k) => k.startsWith("anton:"))).toEqual([]);
    const comments = readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8").split("\n").filter((l) => l.startsWith("#")).join("\n");
    for (const key of ["apiUrl", "environment", "clientId", "clientSecret", "dpopPrivateKey", "dpopAlg", "maxConcurrency"]) expect(comments).toContain(`anton:${key}`);
    for (const key of ["clientSecret", "dpopPrivateKey"]) expect(comments).toContain(`pulumi config set --secret anton:${key}`);
  });

  it.each(PULUMI_EXAMPLES)("examples/%s is a Pulumi project declaring every key its program reads", (name) => {
    const dir = path.join(EXAMPLES, name);
    const p = project(path.join(dir, "Pulumi.yaml"));
    expect(p.name).toMatch(/^anton-/);
    expect(typeof p.runtime === "string" ? p.runtime : p.runtime.name).toBe("nodejs");
    expect(existsSync(path.join(dir, p.main ?? "index.ts"))).toBe(true);
    const declared = Object.keys(p.config ?? {}).map((k) => k.replace(`${p.name}:`, ""));
    for (const key of keysRead(path.join(dir, "index.ts"))) expect(declared).toContain(key);
  });

  it("every example folder is covered: a program, a test, and a row in docs/recipes.md", () => {
    const folders = readdirSync(EXAMPLES, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== "receiver").map((d) => d.name).sort();
    expect(folders).toEqual(["quickstart", ...PULUMI_EXAMPLES].sort());
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const recipes = readFileSync(path.join(ROOT, "docs", "recipes.md"), "utf8");
    for (const name of folders) {
      expect(existsSync(path.join(__dirname, `${name}.test.ts`))).toBe(true);
      expect(recipes).toContain(`examples/${name}/`);
    }
    // The commands the README promises exist.
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(readme).toMatch(/npm ci\s+npm run demo/);
    expect(readme).toMatch(/npm ci\s+npm test/);
    expect(scripts.demo).toBe("tsx examples/quickstart/demo.ts");
    for (const m of readme.matchAll(/npm run ([a-z0-9:-]+)/g)) expect(Object.keys(scripts)).toContain(m[1]);
  });
});
