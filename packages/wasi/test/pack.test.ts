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
});
