/**
 * @netperm/wasi as users get it: packed with pnpm, installed with npm (its
 * shim and transpiler from the registry, @netperm/core from its tarball) in a
 * temporary project, then a component runs through it from there.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { installPacked, nodeEval } from "@netperm/testkit";
import { beforeAll, describe, expect, it } from "vitest";

const example = resolve(import.meta.dirname, "../../../examples/hello-db/hello-db.wasm");
let project = "";

beforeAll(async () => {
  project = await installPacked(["packages/core", "packages/wasi"]);
}, 600_000);

describe("packed @netperm/wasi", () => {
  it("runs the example component under a policy from the installed tarballs", async () => {
    const cache = await mkdtemp(join(tmpdir(), "netperm-pack-cache-"));
    const out = await nodeEval(
      project,
      `import { parsePolicy } from "@netperm/core";
       import { runCommand } from "@netperm/wasi";
       const audit = [];
       const policy = parsePolicy(["--allow-inbound=tcp://localhost:5433", "--allow-outbound=tcp://db.internal->127.0.0.1:5432->5433"]);
       const code = await runCommand(${JSON.stringify(example)}, policy, { cacheDir: ${JSON.stringify(cache)}, audit: (d) => audit.push(d) });
       console.log("RESULT " + JSON.stringify({ code, decisions: audit.map((r) => [r.decision.op, r.decision.allowed]) }));`,
    );
    expect(out).toContain("allowed  query db.internal:5432: remote-address 127.0.0.1:5432, answer: 1 row for 'SELECT 1'");
    const result = JSON.parse(out.slice(out.indexOf("RESULT ") + 7)) as { code: number; decisions: [string, boolean][] };
    expect(result.code).toBe(0);
    expect(result.decisions).toContainEqual(["connect", false]);
    expect(result.decisions).toContainEqual(["resolve", false]);
  }, 120_000);

  it("pins a wasi:http request from the installed tarball (the shim's worker loads the package's http-pin-worker.js)", async () => {
    const out = await nodeEval(
      project,
      `import { spawn } from "node:child_process";
       import { http } from "@bytecodealliance/preview2-shim";
       import { parsePolicy } from "@netperm/core";
       import { Guard, guardedHttp } from "@netperm/wasi";
       const server = spawn(process.execPath, ["-e", 'require("node:http").createServer((q, s) => s.end("host=" + q.headers.host)).listen(0, "127.0.0.2", function () { console.log(this.address().port); }); setTimeout(() => process.exit(0), 60000);'], { stdio: ["ignore", "pipe", "inherit"] });
       const port = Number(await new Promise((r) => server.stdout.once("data", (d) => r(String(d).trim()))));
       const { types } = http;
       const req = new types.OutgoingRequest(new types.Fields());
       req.setScheme({ tag: "HTTP" });
       req.setAuthority("api.internal:" + port);
       req.setPathWithQuery("/");
       types.OutgoingBody.finish(req.body(), undefined);
       const handler = guardedHttp(new Guard(parsePolicy(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.2"])));
       const future = handler.outgoingHandler.handle(req, undefined);
       future.subscribe().block();
       const got = future.get();
       let result = { error: got.val.val };
       if (got.val.tag === "ok") {
         const stream = got.val.val.consume().stream();
         let body = "";
         for (;;) { try { body += Buffer.from(stream.blockingRead(1000n)).toString(); } catch { break; } }
         result = { status: got.val.val.status(), body, port };
       }
       server.kill();
       console.log("RESULT " + JSON.stringify(result));
       process.exit(0);`,
    );
    const result = JSON.parse(out.slice(out.indexOf("RESULT ") + 7)) as { status: number; body: string; port: number };
    expect(result).toEqual({ status: 200, body: `host=api.internal:${result.port}`, port: result.port });
  }, 120_000);
});
