/**
 * The published package, not the checkout: a fresh clone is packed (its `prepare` builds dist/), the
 * tarball is installed into a temp project with `@pulumi/pulumi`, and that project requires every
 * `exports` entry and type-checks a program with the repository's `tsc`, under the module resolution
 * a Pulumi project template uses (node10) and under node16.
 */
import { execFile } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { describePacked, packed, ROOT, workspace, type Packed } from "../support/pack";

const run = promisify(execFile);
const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");

let pkg: Packed;
let installed: { exports: Record<string, unknown>; repository?: { url: string }; homepage?: string; bugs?: { url: string }; license: string };

beforeAll(async () => {
  const started = Date.now();
  pkg = await packed();
  installed = JSON.parse(readFileSync(path.join(pkg.project, "node_modules", "pulumi-anton", "package.json"), "utf8"));
  console.log(describePacked(pkg, started));
}, 300_000);

describe("the packed package", () => {
  it("carries the built code, the license and the links, and no sources or tests", () => {
    expect(pkg.files).toContain("dist/provider/index.js");
    expect(pkg.files).toContain("dist/provider/index.d.ts");
    expect(pkg.files).toContain("dist/provider/dynamic.js");
    expect(pkg.files).toContain("LICENSE");
    expect(pkg.files.filter((f) => /^(test|examples|provider)\//.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts")))).toEqual([]);
    const license = readFileSync(path.join(pkg.project, "node_modules", "pulumi-anton", "LICENSE"), "utf8");
    expect(license).toMatch(/^Copyright 2026 The pulumi-anton authors\n/);
    expect(license).toContain("Apache License\n                           Version 2.0, January 2004");
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    expect(installed.license).toBe("Apache-2.0");
    expect(installed.repository?.url).toBe("git+https://github.com/pulumi-anton/pulumi-anton.git");
    expect(installed.homepage).toBe("https://github.com/pulumi-anton/pulumi-anton#readme");
    expect(installed.bugs?.url).toBe("https://github.com/pulumi-anton/pulumi-anton/issues");
  });

  it("stores a program's provider as a require of pulumi-anton/provider, not as code", async () => {
    // A program under mocks, as in a user's project: the __provider Pulumi would put in state.
    const script = `
      const pulumi = require("@pulumi/pulumi");
      let text;
      pulumi.runtime.setMocks({ newResource(a) { text = a.inputs.__provider; return { id: "x", state: a.inputs }; }, call: (a) => a.inputs }, "p", "s", false);
      const { AntonWebhookSecret } = require("pulumi-anton");
      new AntonWebhookSecret("x", { webhookId: "wbh_01HX8Z9K0M2N3P4Q5R6S7T8UW" });
      setTimeout(() => console.log(JSON.stringify(text)), 1000);`;
    const { stdout } = await run(process.execPath, ["-e", script], { cwd: workspace(pkg.project, "provider") });
    const text = JSON.parse(stdout.trim().split("\n").pop()!) as string;
    expect(text).toContain('require("pulumi-anton/provider")');
    expect(text.length).toBeLessThan(512);
    // And that require loads a provider with every method the plugin calls.
    const methods = await run(process.execPath, ["-e", `const p = require("pulumi-anton/provider"); console.log(["configure","check","diff","create","read","update","delete"].filter((m) => typeof p[m] !== "function").join(","))`], {
      cwd: workspace(pkg.project, "provider-methods"),
    });
    expect(methods.stdout.trim()).toBe("");
  });

  it("loads every exports entry in a plain Node process of the installed project", async () => {
    const entries = Object.keys(installed.exports).map((k) => (k === "." ? "pulumi-anton" : `pulumi-anton/${k.slice(2)}`));
    expect(entries).toEqual(expect.arrayContaining(["pulumi-anton", "pulumi-anton/webhooks", "pulumi-anton/client", "pulumi-anton/emulator", "pulumi-anton/testing"]));
    const script = `
      const out = {};
      out.webhooksFiles = (require("pulumi-anton/webhooks"), Object.keys(require.cache));
      for (const id of ${JSON.stringify(entries)}) out[id] = Object.keys(require(id)).length;
      out.resolved = require.resolve("pulumi-anton");
      console.log(JSON.stringify(out));`;
    const { stdout } = await run(process.execPath, ["-e", script], { cwd: workspace(pkg.project, "require") });
    const loaded = JSON.parse(stdout) as Record<string, number | string> & { webhooksFiles: string[] };
    for (const id of entries) expect(loaded[id], id).toBeGreaterThan(0);
    const signature = path.join(pkg.project, "node_modules", "pulumi-anton", "dist", "provider", "signature") + path.sep;
    const shared = path.join(pkg.project, "node_modules", "pulumi-anton", "dist", "provider", "argument-error.js");
    expect(loaded.webhooksFiles.filter((file) => !file.startsWith(signature) && file !== shared)).toEqual([]);
    expect(loaded.resolved).toBe(path.join(pkg.project, "node_modules", "pulumi-anton", "dist", "provider", "index.js"));
    expect(loaded["pulumi-anton"]).toBeGreaterThan(10);
  });

  it("installs both bins as executables in node_modules/.bin", () => {
    const pkgJson = JSON.parse(readFileSync(path.join(pkg.project, "node_modules", "pulumi-anton", "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(Object.keys(pkgJson.bin).sort()).toEqual(["anton-api", "anton-emulator"]);
    for (const [name, target] of Object.entries(pkgJson.bin)) {
      expect(pkg.files).toContain(target);
      const link = path.join(pkg.project, "node_modules", ".bin", name);
      expect(statSync(link).mode & 0o111, name).not.toBe(0);
      expect(readFileSync(link, "utf8").startsWith("#!/usr/bin/env node\n"), name).toBe(true);
    }
  });

  it.each(["node10", "node16"])("type-checks a user's program with tsc (moduleResolution %s)", async (resolution) => {
    const dir = workspace(pkg.project, `tsc-${resolution}`);
    writeFileSync(
      path.join(dir, "index.ts"),
      [
        'import * as pulumi from "@pulumi/pulumi";',
        'import { AntonWebhookSecret, verifyWebhookSignature, type AntonClientOptions } from "pulumi-anton";',
        'const signing = new AntonWebhookSecret("orders", { webhookId: "wbh_01HX8Z9K0M2N3P4Q5R6S7T8UW", rotateAfter: "30d" });',
        "export const fingerprint: pulumi.Output<string> = signing.fingerprint;",
        "export const check: typeof verifyWebhookSignature = verifyWebhookSignature;",
        "export type Options = AntonClientOptions;",
        'import { startEmulator, type Emulator } from "pulumi-anton/emulator";',
        'import { safeVerifyWebhookSignature, type VerifiedWebhook } from "pulumi-anton/webhooks";',
        'import { AntonClient, AntonApiError, type AntonClientOptions as ClientOptions } from "pulumi-anton/client";',
        "export const receive = (rawBody: string, secrets: string[]): VerifiedWebhook | undefined => {",
        "  const r = safeVerifyWebhookSignature({ rawBody, headers: {}, secrets });",
        "  return r.ok ? r : undefined;",
        "};",
        "export const client = (o: ClientOptions): AntonClient => new AntonClient(o);",
        "export const isApiError = (e: unknown): boolean => e instanceof AntonApiError;",
        "// @ts-expect-error secrets must be strings",
        'safeVerifyWebhookSignature({ rawBody: "", headers: {}, secrets: [1] });',
        'import { resolveOutput, setAntonMocks, type AntonEmulatorFixture } from "pulumi-anton/testing";',
        "export async function kit(): Promise<[Emulator, AntonEmulatorFixture | undefined, boolean]> {",
        "  await setAntonMocks();",
        "  const { secret } = await resolveOutput(signing.secret);",
        "  return [await startEmulator({ port: 0 }), undefined, secret];",
        "}",
        "// @ts-expect-error port must be a number",
        'startEmulator({ port: "80" });',
        "// @ts-expect-error webhookId is required",
        'new AntonWebhookSecret("bad", {});',
        "",
      ].join("\n"),
    );
    const module = resolution === "node16" ? "node16" : "commonjs";
    // node10 skips lib checks (the node16 run covers the .d.ts files) to halve the time.
    const deprecated = resolution === "node10" ? { ignoreDeprecations: "6.0", skipLibCheck: true } : {};
    const tsconfig = { compilerOptions: { strict: true, module, moduleResolution: resolution, target: "ES2022", noEmit: true, types: ["node"], ...deprecated }, files: ["index.ts"] };
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
    const result = await run(process.execPath, [TSC, "-p", dir]).then(
      () => "ok",
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    expect(result).toBe("ok");
  });
});
