/**
 * @netperm/proxy as users get it: packed with pnpm, installed with npm
 * (@netperm/core from its tarball too) in a temporary project, then a proxy
 * started from there allows one request and refuses another.
 */
import { installPacked, nodeEval } from "@netperm/testkit";
import { beforeAll, describe, expect, it } from "vitest";

let project = "";

beforeAll(async () => {
  project = await installPacked(["packages/core", "packages/proxy"]);
}, 600_000);

describe("packed @netperm/proxy", () => {
  it("enforces a policy from the installed tarballs", async () => {
    const out = await nodeEval(
      project,
      `import { createServer, connect } from "node:net";
       import { parsePolicy } from "@netperm/core";
       import { createProxy } from "@netperm/proxy";
       const target = createServer((s) => s.end("hi"));
       await new Promise((r) => target.listen({ host: "127.0.0.1", port: 0 }, r));
       const port = target.address().port;
       const proxy = await createProxy({ policy: parsePolicy(["--allow-outbound=tcp://127.0.0.1:" + port]) });
       const ask = (p) => new Promise((resolve) => {
         const s = connect({ host: "127.0.0.1", port: proxy.address.port }, () => s.write("CONNECT 127.0.0.1:" + p + " HTTP/1.1\\r\\n\\r\\n"));
         let text = "";
         s.on("data", (c) => { text += c; if (text.includes("hi") || text.includes("403")) { s.destroy(); resolve(text.split("\\r\\n")[0]); } });
       });
       const allowed = await ask(port);
       const denied = await ask(port + 1);
       await proxy.close();
       target.close();
       console.log("RESULT " + JSON.stringify([allowed, denied]));`,
    );
    expect(JSON.parse(out.slice(out.indexOf("RESULT ") + 7))).toEqual(["HTTP/1.1 200 Connection Established", "HTTP/1.1 403 Forbidden"]);
  }, 120_000);
});
