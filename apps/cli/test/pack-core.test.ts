import { installPacked, nodeEval } from "@netperm/testkit";
import { describe, expect, it } from "vitest";

describe("@netperm/core as users install it", () => {
  it("imports from the packed tarball and decides", async () => {
    const project = await installPacked(["packages/core"]);
    const out = await nodeEval(
      project,
      `import { parsePolicy, compile, format } from "@netperm/core";
       const policy = parsePolicy(["--allow-outbound=tcp://example.com:80"]);
       const d = compile(policy).decide({ op: "connect", protocol: "tcp", host: "example.com", port: 80 });
       console.log(JSON.stringify({ allowed: d.allowed, reason: d.reason, canonical: format(policy) }));`,
    );
    expect(JSON.parse(out)).toEqual({ allowed: true, reason: "allowed", canonical: ["--allow-outbound=tcp://example.com:80"] });
  }, 180_000);
});
