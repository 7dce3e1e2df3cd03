/**
 * Dependency hygiene: every dependency is pinned to an exact version, and the
 * lockfile exists and agrees with package.json for every direct dependency, so
 * `npm ci` installs exactly what was reviewed.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
const SECTIONS = ["dependencies", "devDependencies", "optionalDependencies"] as const;
/** Exact semver: no ranges, tags, URLs, git or file specs. */
const EXACT = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

const direct = SECTIONS.flatMap((section) => Object.entries(pkg[section] ?? {}).map(([name, spec]) => ({ section, name, spec })));

describe("dependency pinning", () => {
  it("lists direct dependencies", () => {
    expect(direct.length).toBeGreaterThan(0);
    console.log(`pinned direct dependencies: ${direct.length}`);
  });

  it.each(direct.map((d) => [`${d.section} ${d.name}`, d] as const))("%s is pinned to an exact version", (_label, d) => {
    expect(d.spec, `${d.name}@${d.spec} in ${d.section}: pin it, e.g. "npm install --save-exact ${d.name}"`).toMatch(EXACT);
  });

  it("the pin check itself rejects ranges, tags and URLs", () => {
    for (const bad of ["^1.2.3", "~1.2.3", ">=1.0.0", "1.x", "*", "latest", "", "1.2", "git+https://x/y.git", "file:../x", "npm:foo@1.0.0"]) {
      expect(bad).not.toMatch(EXACT);
    }
    for (const good of ["1.2.3", "0.0.1-rc.1", "3.270.0"]) expect(good).toMatch(EXACT);
  });
});

describe("package-lock.json", () => {
  const lockPath = join(root, "package-lock.json");

  it("exists and is a v2+ lockfile", () => {
    expect(existsSync(lockPath)).toBe(true);
    const lock = JSON.parse(readFileSync(lockPath, "utf8")) as { lockfileVersion: number; name?: string };
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    expect(lock.name).toBe((pkg as unknown as { name: string }).name);
  });

  it("agrees with package.json for every direct dependency", () => {
    const lock = JSON.parse(readFileSync(lockPath, "utf8")) as { packages: Record<string, { version?: string } & Partial<Record<(typeof SECTIONS)[number], Record<string, string>>>> };
    const rootEntry = lock.packages[""]!;
    const mismatches: string[] = [];
    for (const section of SECTIONS) {
      // The lock's root entry records the specs it was resolved from; they must equal package.json's.
      expect(rootEntry[section] ?? {}, `lock root ${section}`).toEqual(pkg[section] ?? {});
    }
    for (const d of direct) {
      const installed = lock.packages[`node_modules/${d.name}`]?.version;
      if (installed !== d.spec) mismatches.push(`${d.name}: package.json ${d.spec}, lock ${installed ?? "missing"}`);
    }
    expect(mismatches).toEqual([]);
  });
});

describe("shipped code", () => {
  it("imports only Node built-ins, its own modules, its dependencies and the @pulumi/pulumi peer", () => {
    const allowed = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), "pulumi-anton"]);
    const files = (readdirSync(join(root, "provider"), { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"));
    const strays: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(root, "provider", file), "utf8");
      for (const [, spec] of text.matchAll(/(?:from\s+|require\(|import\()"([^"]+)"/g)) {
        if (spec!.startsWith(".") || spec!.startsWith("node:")) continue;
        const name = spec!.startsWith("@") ? spec!.split("/").slice(0, 2).join("/") : spec!.split("/")[0]!;
        if (!allowed.has(name)) strays.push(`${file}: ${spec}`);
      }
    }
    expect(files.filter((f) => f.startsWith("emulator")).length).toBeGreaterThan(10);
    expect(strays).toEqual([]);
  });
});
