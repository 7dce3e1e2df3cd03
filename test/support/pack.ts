/**
 * The package as a user receives it: a fresh clone of this repository's HEAD is packed (`npm pack` runs
 * the `prepare` build, as `npm publish` and a git install do), and the tarball is installed into a
 * temp project next to `@pulumi/pulumi`, with no checkout in reach.
 *
 * Packing costs a clone, an `npm ci` from the npm cache and a build, so the result is kept per commit
 * under the temp folder and shared by every test file (and every run) that asks for the same HEAD.
 * Only committed work is packed: uncommitted changes are not in a clone.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const ROOT = path.resolve(__dirname, "..", "..");
const NPM_QUIET = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

/** The packed package and a project that installed it. */
export interface Packed {
  /** Commit that was cloned and packed. */
  commit: string;
  /** The `.tgz`. */
  tarball: string;
  /** Tarball size in bytes (what `npm pack` reports as "package size"). */
  packedBytes: number;
  unpackedBytes: number;
  /** Paths inside the tarball, without the `package/` prefix. */
  files: string[];
  /** A temp project with the tarball, `@pulumi/pulumi` and `@types/node` installed (pinned as in this repo). */
  project: string;
  /** Milliseconds spent, when this call did the work (0 when it came from the cache). */
  timings: { cloneAndCi: number; pack: number; install: number };
}

/** `npm` with a clean environment: no npm_* variables of the outer `npm test` leak into the child. */
async function npm(cwd: string, args: string[]): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const { stdout } = await run("npm", args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

function pinned(name: string): string {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  return `${name}@${pkg.devDependencies[name]}`;
}

async function build(dir: string, commit: string): Promise<Packed> {
  const timings = { cloneAndCi: 0, pack: 0, install: 0 };
  let t = Date.now();
  const clone = path.join(dir, "clone");
  await run("git", ["clone", "--quiet", "--no-checkout", ROOT, clone]);
  await run("git", ["-C", clone, "checkout", "--quiet", commit]);
  // Dependencies only: the root `prepare` is what `npm pack` must run itself.
  await npm(clone, ["ci", "--ignore-scripts", ...NPM_QUIET]);
  timings.cloneAndCi = Date.now() - t;

  t = Date.now();
  const [report] = JSON.parse(await npm(clone, ["pack", "--json", "--pack-destination", dir])) as Array<{
    filename: string;
    size: number;
    unpackedSize: number;
    files: Array<{ path: string }>;
  }>;
  timings.pack = Date.now() - t;
  const tarball = path.join(dir, report!.filename);
  rmSync(clone, { recursive: true, force: true });

  t = Date.now();
  const project = path.join(dir, "project");
  mkdirSync(project);
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "anton-consumer", version: "1.0.0", private: true }));
  await npm(project, ["install", ...NPM_QUIET, tarball, pinned("@pulumi/pulumi"), pinned("@types/node")]);
  timings.install = Date.now() - t;

  return {
    commit,
    tarball,
    packedBytes: statSync(tarball).size,
    unpackedBytes: report!.unpackedSize,
    files: report!.files.map((f) => f.path).sort(),
    project,
    timings,
  };
}

const inFlight = new Map<string, Promise<Packed>>();

/**
 * Packs HEAD and installs it once per commit. Concurrent callers in other processes wait on a lock
 * directory; a lock left by a dead process is taken over.
 */
export function packed(): Promise<Packed> {
  return (async () => {
    const { stdout } = await run("git", ["-C", ROOT, "rev-parse", "HEAD"]);
    const commit = stdout.trim();
    let pending = inFlight.get(commit);
    if (!pending) {
      pending = packedAt(commit);
      inFlight.set(commit, pending);
    }
    return pending;
  })();
}

async function packedAt(commit: string): Promise<Packed> {
  const base = path.join(tmpdir(), "pulumi-anton-pack");
  mkdirSync(base, { recursive: true });
  const dir = path.join(base, commit);
  const result = path.join(base, `${commit}.json`);
  const lock = path.join(base, `${commit}.lock`);
  for (;;) {
    if (existsSync(result)) {
      const cached = JSON.parse(readFileSync(result, "utf8")) as Packed;
      if (existsSync(cached.tarball) && existsSync(path.join(cached.project, "node_modules", "pulumi-anton"))) {
        return { ...cached, timings: { cloneAndCi: 0, pack: 0, install: 0 } };
      }
      rmSync(result, { force: true });
    }
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, "pid"), String(process.pid));
    } catch {
      if (lockHolderDead(lock)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      const done = await build(dir, commit);
      writeFileSync(result, JSON.stringify(done));
      pruneOthers(base, commit);
      return done;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** Each entry holds an installed project (~90 MB): drop other commits' entries once they are an hour old. */
function pruneOthers(base: string, keep: string): void {
  for (const name of readdirSync(base)) {
    const commit = name.replace(/\.json$/, "");
    if (!/^[0-9a-f]{40}$/.test(commit) || commit === keep || existsSync(path.join(base, `${commit}.lock`))) continue;
    const stat = statSync(path.join(base, name), { throwIfNoEntry: false });
    if (stat && Date.now() - stat.mtimeMs > 3_600_000) rmSync(path.join(base, name), { recursive: true, force: true });
  }
}

/** One line for the test log: sizes, and where the time went when this run did the packing. */
export function describePacked(pkg: Packed, startedMs: number): string {
  const t = pkg.timings;
  return (
    `packed ${pkg.commit.slice(0, 8)}: ${kB(pkg.packedBytes)} packed, ${kB(pkg.unpackedBytes)} unpacked, ${pkg.files.length} files; ` +
    (t.pack ? `clone+ci ${t.cloneAndCi} ms, pack ${t.pack} ms, install ${t.install} ms` : "from the cache") +
    `; ${Date.now() - startedMs} ms in all`
  );
}

function lockHolderDead(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(lock, "pid"), "utf8"));
  } catch {
    // Created but pid not yet written: give its owner a moment.
    const stat = statSync(lock, { throwIfNoEntry: false });
    return !stat || Date.now() - stat.mtimeMs > 10_000;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** A fresh folder inside the installed project, so each test writes its own files next to node_modules. */
export function workspace(project: string, name: string): string {
  const dir = path.join(project, `${name}-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(dir);
  return dir;
}

/** Formats bytes as npm does ("81.5 kB"). */
export const kB = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`;
