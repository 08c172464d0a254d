/**
 * The packages as users install them: `pnpm pack` each public package and
 * the CLI, `npm install` the tarballs in a fresh project, then import the
 * libraries and run the `netperm` bin from its built files, as `npx
 * @netperm/cli` does (the README's one command for someone with only npm).
 */
import { execFile, spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { installPacked, itWhere, nodeEval, systemProgram } from "@netperm/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { announcedPorts, helloDbOutput } from "./hello-db.js";

const run = promisify(execFile);
let project = "";

beforeAll(async () => {
  project = await installPacked(["packages/core", "packages/export", "packages/proxy", "packages/wasi", "apps/cli"]);
}, 600_000);

describe("packed packages", () => {
  it("@netperm/core imports from its tarball and decides", async () => {
    const out = await nodeEval(
      project,
      `import { parsePolicy, compile, format } from "@netperm/core";
       const policy = parsePolicy(["--allow-outbound=tcp://example.com:80"]);
       const d = compile(policy).decide({ op: "connect", protocol: "tcp", host: "example.com", port: 80 });
       console.log(JSON.stringify({ allowed: d.allowed, reason: d.reason, canonical: format(policy) }));`,
    );
    expect(JSON.parse(out)).toEqual({ allowed: true, reason: "allowed", canonical: ["--allow-outbound=tcp://example.com:80"] });
  });

  it("@netperm/core ships its JSON Schema", async () => {
    const out = await nodeEval(project, `import { createRequire } from "node:module"; const r = createRequire(import.meta.url); console.log(r.resolve("@netperm/core/policy.schema.json"));`);
    expect(out.trim()).toMatch(/policy\.schema\.json$/);
  });

  it("@netperm/export imports from its tarball", async () => {
    const out = await nodeEval(
      project,
      `import { parsePolicy } from "@netperm/core"; import { exportPolicy } from "@netperm/export";
       const r = exportPolicy(parsePolicy(["--allow-outbound=tcp://10.0.0.0/8:5432"]), { format: "k8s" });
       console.log(JSON.stringify({ hasCidr: r.text.includes("10.0.0.0/8"), warnings: r.warnings.length }));`,
    );
    expect(JSON.parse(out)).toEqual({ hasCidr: true, warnings: 0 });
  });

  it("the netperm bin runs from built files: --version and one check", async () => {
    const bin = join(project, "node_modules", ".bin", "netperm");
    const version = await run(bin, ["--version"], { cwd: project });
    expect(version.stdout).toMatch(/^netperm \d+\.\d+\.\d+\n$/);
    const check = await run(bin, ["check", "--allow-outbound=tcp://example.com:80", "connect", "tcp://example.com:80", "--json"], { cwd: project });
    expect(JSON.parse(check.stdout)).toMatchObject({ allowed: true, reason: "allowed" });
    const denied = await run(bin, ["check", "--allow-outbound=tcp://example.com:80", "connect", "tcp://example.com:81"], { cwd: project }).catch((e: { code: number }) => e);
    expect((denied as { code: number }).code).toBe(1);
  });

  it("the installed bin checks the README's example", async () => {
    const bin = join(project, "node_modules", ".bin", "netperm");
    const r = await run(bin, ["check", "--allow-outbound=tcp://example.com:80", "connect", "tcp://example.com:80", "--json"], { cwd: project });
    expect(JSON.parse(r.stdout)).toMatchObject({ allowed: true, op: "connect", host: "example.com", port: 80, rule: { flag: "--allow-outbound=tcp://example.com:80" } });
  });

  it("npx @netperm/cli run --example hello-db: the README's one command, from any directory, needs no path to the component", async () => {
    // npx finds the installed package here, as it finds the one it fetches into its own cache for a user
    // with only npm: in both the component is read from the package, never from the current directory.
    const elsewhere = await mkdtemp(join(tmpdir(), "netperm-pack-cwd-"));
    const cache = `--cache-dir=${join(project, "cache")}`;
    const viaNpx = await run("npx", ["--no-install", "@netperm/cli", "run", "--example", "hello-db", cache], { cwd: project });
    const ports = announcedPorts(viaNpx.stderr);
    expect(viaNpx.stdout).toBe(helloDbOutput(ports.listen, ports.closed));
    expect(viaNpx.stderr).toContain(join("node_modules", "@netperm", "cli", "dist", "examples", "hello-db.wasm"));
    const bin = join(project, "node_modules", ".bin", "netperm");
    const fromElsewhere = await run(bin, ["run", "--example=hello-db", cache], { cwd: elsewhere });
    const again = announcedPorts(fromElsewhere.stderr);
    expect(fromElsewhere.stdout).toBe(helloDbOutput(again.listen, again.closed));
  }, 120_000);

  itWhere([systemProgram("curl", "curl")], "the installed bin's proxy answers a curl request", async () => {
    const origin = createServer((req, res) => res.end(`packed ${req.url}\n`));
    await new Promise<void>((r) => origin.listen({ host: "127.0.0.1", port: 0 }, r));
    const port = (origin.address() as { port: number }).port;
    const proxy = spawn(join(project, "node_modules", ".bin", "netperm"), ["proxy", "--listen=127.0.0.1:0", `--allow-outbound=tcp://localhost:${port}`], { cwd: project });
    try {
      let out = "";
      proxy.stdout.on("data", (c: Buffer) => (out += c.toString()));
      await new Promise<void>((ok, fail) => {
        proxy.once("exit", (code) => fail(new Error(`proxy exited ${code}`)));
        const t = setInterval(() => out.includes("\n") && (clearInterval(t), ok()), 25);
      });
      const r = await run("curl", ["-sS", "--max-time", "30", "--socks5-hostname", out.trim(), `http://localhost:${port}/hi`]);
      expect(r.stdout).toBe("packed /hi\n");
    } finally {
      proxy.kill("SIGTERM");
      origin.close();
    }
  }, 60_000);
});
