/** Grants are per instance; with every grant the guarded host behaves as the stock one. */
import { parsePolicy } from "@netperm/core";
import { describe, expect, it } from "vitest";
import { runCommand } from "../src/index.js";
import { buildGuests } from "./guests/build.js";
import { transpileCache } from "./helpers/cache.js";
import { netops, stockNetops, type GuestResult } from "./helpers/guest.js";
import { trackPeers } from "./helpers/tracked.js";

const peers = trackPeers();

describe("instances", () => {
  it("two instances with different policies, interleaved, each keep their own grants and tables", async () => {
    const a = await peers.tcpServer("127.0.0.1");
    const b = await peers.tcpServer("127.0.0.1");
    const first = await netops([`--allow-outbound=tcp://127.0.0.1:${a.port}`, "--allow-resolve=db.test->127.0.0.1"]);
    const second = await netops([`--allow-outbound=tcp://db.test:${b.port}`, "--allow-resolve=db.test->127.0.0.1"]);
    expect(first.exec({ op: "tcpConnect", to: `127.0.0.1:${a.port}`, send: "1a" })).toMatchObject({ ok: true, received: "1a" });
    expect(second.exec({ op: "tcpConnect", to: `127.0.0.1:${a.port}`, send: "2a" })).toMatchObject({ error: "access-denied" });
    expect(first.exec({ op: "tcpConnect", to: `127.0.0.1:${b.port}`, send: "1b" })).toMatchObject({ error: "access-denied" });
    // The first instance resolving db.test does not let the second one reach it by address.
    expect(first.exec({ op: "resolve", name: "db.test" })).toEqual({ ok: true, addresses: ["127.0.0.1"] });
    expect(second.exec({ op: "tcpConnect", to: `127.0.0.1:${b.port}`, send: "2b" })).toMatchObject({ error: "access-denied" });
    expect(second.audit.at(-1)).toMatchObject({ reason: "not-resolved" });
    expect(second.exec({ op: "resolve", name: "db.test" })).toEqual({ ok: true, addresses: ["127.0.0.1"] });
    expect(second.exec({ op: "tcpConnect", to: `127.0.0.1:${b.port}`, send: "2b" })).toMatchObject({ ok: true, received: "2b" });
    expect((await a.stats()).data).toEqual(["1a"]);
    expect((await b.stats()).data).toEqual(["2b"]);
  });

  it("with every grant, the guarded host gives the same results as the stock jco host", async () => {
    const tcp = await peers.tcpServer("127.0.0.1", 0, "t:");
    const udp = await peers.udpServer("127.0.0.1", 0, "u:");
    const all = ["--allow-outbound=tcp://...", "--allow-outbound=udp://...", "--allow-inbound=tcp://*:*", "--allow-inbound=udp://*:*", "--allow-resolve=*"];
    const guarded = await netops(all);
    const stock = await stockNetops();
    const script = [
      { op: "tcpConnect", to: `127.0.0.1:${tcp.port}`, send: "same", expect: 6 },
      { op: "tcpConnect", to: "127.0.0.1:1", send: "refused" },
      { op: "resolve", name: "localhost" },
      { op: "udpBind", at: "127.0.0.1:0" },
      { op: "udpSend", id: 1, to: `127.0.0.1:${udp.port}`, send: "dgram", reply: true },
      { op: "tcpListen", at: "127.0.0.1:0" },
    ];
    const strip = (r: GuestResult) => ({ ...r, local: undefined }); // OS-chosen local ports differ
    for (const req of script) expect(strip(guarded.exec(req))).toEqual(strip(stock(req)));
    expect(guarded.audit.every((e) => e.allowed)).toBe(true);
  });

  it("runCommand returns the guest's failure as exit code 1", async () => {
    const { netops: file } = await buildGuests();
    const code = await runCommand(file, parsePolicy([]), { args: ["netops", JSON.stringify({ op: "tcpConnect", to: "127.0.0.1:1" })], cacheDir: transpileCache });
    expect(code).toBe(1);
  });
});
