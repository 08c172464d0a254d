/**
 * Consuming packages the way users do (docs/design.md, Testing): build and `pnpm pack` the
 * workspace packages, then `npm install` the tarballs into a fresh temporary
 * project. Tests then import or run from that project, never from sources.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root (this file is tooling/testkit/src/pack.ts). */
export const repoRoot: string = resolve(import.meta.dirname, "../../..");

function pnpm(args: string[], cwd: string) {
  const execPath = process.env.npm_execpath;
  if (execPath !== undefined && /pnpm/.test(execPath) && execPath.endsWith("js")) {
    return run(process.execPath, [execPath, ...args], { cwd, maxBuffer: 1 << 24 });
  }
  return run("npx", ["-y", "pnpm@10.34.8", ...args], { cwd, maxBuffer: 1 << 24 });
}

/** Builds and packs one workspace package (path relative to the root); returns the tarball path. */
export async function packWorkspacePackage(dir: string, destination: string): Promise<string> {
  const cwd = join(repoRoot, dir);
  await pnpm(["run", "build"], cwd);
  const before = new Set(await readdir(destination));
  await pnpm(["pack", "--pack-destination", destination], cwd);
  const tarball = (await readdir(destination)).find((f) => f.endsWith(".tgz") && !before.has(f));
  if (tarball === undefined) throw new Error(`pnpm pack produced no tarball for ${dir}`);
  return join(destination, tarball);
}

/**
 * Packs the given workspace packages (e.g. ["packages/core"]) and installs
 * them, as tarballs, in a new temporary npm project. Internal dependencies
 * between them resolve to the tarballs too (npm overrides), so nothing is
 * fetched that is not published. Returns the project's directory.
 */
export async function installPacked(dirs: readonly string[], extra: { dependencies?: Record<string, string> } = {}): Promise<string> {
  const project = await mkdtemp(join(tmpdir(), "netperm-pack-"));
  const tarballs: Record<string, string> = {};
  for (const dir of dirs) {
    const tarball = await packWorkspacePackage(dir, project);
    const name = (await import(join(repoRoot, dir, "package.json"), { with: { type: "json" } })).default.name as string;
    tarballs[name] = `file:${tarball}`;
  }
  const manifest = {
    name: "netperm-pack-test",
    private: true,
    type: "module",
    dependencies: { ...tarballs, ...extra.dependencies },
    overrides: tarballs,
  };
  await writeFile(join(project, "package.json"), JSON.stringify(manifest, null, 2));
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project, maxBuffer: 1 << 24 });
  return project;
}

/** Runs `node --input-type=module -e CODE` in `cwd`; resolves to stdout. */
export async function nodeEval(cwd: string, code: string): Promise<string> {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", code], { cwd });
  return stdout;
}
