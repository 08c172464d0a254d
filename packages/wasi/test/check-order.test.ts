/**
 * Named examples of the differences between the stock shim and wasmtime's
 * host that the guard resolves wasmtime's way (README, host notes), each
 * found by reading wasmtime's crates/wasi/src/{p2/host,sockets}/{tcp,udp}.rs against
 * the differential test's output.
 */
import { describe, expect, it } from "vitest";
import { netops, stockNetops } from "./helpers/guest.js";
import { ALL } from "./helpers/wasmtime-programs.js";

describe("check order, wasmtime's way", () => {
  it("a start while another is unfinished is concurrency-conflict (wasmtime's in_progress_operation; the stock shim: invalid-state)", async () => {
    const steps = [
      { c: "tcp", family: "ipv4" }, { c: "startBind", s: 0, addr: "127.0.0.1:0" }, { c: "startBind", s: 0, addr: "127.0.0.1:0" }, { c: "startListen", s: 0 }, { c: "finishBind", s: 0 },
      { c: "startListen", s: 0 }, { c: "startListen", s: 0 }, { c: "finishListen", s: 0 },
      { c: "udp", family: "ipv4" }, { c: "startBind", s: 1, addr: "127.0.0.1:0" }, { c: "startBind", s: 1, addr: "127.0.0.1:0" }, { c: "finishBind", s: 1 },
    ];
    const conflict = "err:concurrency-conflict";
    expect((await netops(ALL)).exec({ op: "script", steps }).results).toEqual(["ok", "ok", conflict, conflict, "ok", "ok", conflict, "ok", "ok", "ok", conflict, "ok"]);
    const state = "err:invalid-state";
    expect((await stockNetops())({ op: "script", steps }).results).toEqual(["ok", "ok", state, state, "ok", "ok", state, "ok", "ok", "ok", state, "ok"]);
  });

  it("while connecting, a second start-connect, a bind or a listen is concurrency-conflict (the stock shim: invalid-state)", async () => {
    // A closed loopback port: the connect is refused, nothing leaves the machine.
    const steps = [{ c: "tcp", family: "ipv4" }, { c: "startConnect", s: 0, addr: "127.0.0.1:9" }, { c: "startConnect", s: 0, addr: "127.0.0.1:9" }, { c: "startBind", s: 0, addr: "127.0.0.1:0" }, { c: "startListen", s: 0 }];
    expect((await netops(ALL)).exec({ op: "script", steps }).results).toEqual(["ok", "ok", "err:concurrency-conflict", "err:concurrency-conflict", "err:concurrency-conflict"]);
    expect((await stockNetops())({ op: "script", steps }).results).toEqual(["ok", "ok", "err:invalid-state", "err:invalid-state", "err:invalid-state"]);
  });

  it("tcp start-bind on a bound socket is invalid-state whatever the address (the state is checked first, on both hosts)", async () => {
    const steps = [{ c: "tcp", family: "ipv4" }, { c: "bind", s: 0, addr: "127.0.0.1:0" }, { c: "bind", s: 0, addr: "[::1]:0" }, { c: "bind", s: 0, addr: "224.0.0.1:0" }, { c: "bind", s: 0, addr: "127.0.0.1:0" }];
    const want = ["ok", "ok", "err:invalid-state", "err:invalid-state", "err:invalid-state"];
    expect((await netops(ALL)).exec({ op: "script", steps }).results).toEqual(want);
    expect((await stockNetops())({ op: "script", steps }).results).toEqual(want);
  });

  it("udp bind on a bound socket is invalid-state whatever the address (the state is checked first)", async () => {
    const steps = [{ c: "udp", family: "ipv4" }, { c: "bind", s: 0, addr: "127.0.0.1:0" }, { c: "bind", s: 0, addr: "[::1]:0" }];
    expect((await netops(ALL)).exec({ op: "script", steps }).results).toEqual(["ok", "ok", "err:invalid-state"]);
    expect((await stockNetops())({ op: "script", steps }).results).toEqual(["ok", "ok", "err:invalid-argument"]);
  });

  it("resolve-addresses reads IPv4-mapped IPv6 in mixed notation and refuses a zone", async () => {
    const steps = ["::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "fe80::1%1", "[fe80::1%25lo]"].map((name) => ({ c: "resolve", name }));
    expect((await netops(ALL)).exec({ op: "script", steps }).results).toEqual(["ok:0:0:0:0:0:ffff:7f00:1", "ok:0:0:0:0:0:ffff:7f00:1", "err:invalid-argument", "err:invalid-argument"]);
    // The stock shim answers 0:0:0:0:0:0:ffff:127 for the first two and ignores the zone.
    const stock = (await stockNetops())({ op: "script", steps }).results;
    expect(stock?.[0]).toBe("ok:0:0:0:0:0:0:ffff:127");
    expect(stock?.[2]).toBe("ok:fe80:0:0:0:0:0:0:1");
  });
});
