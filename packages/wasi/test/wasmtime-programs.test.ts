/**
 * Programs modelled on wasmtime's p2 socket test programs, run under the stock
 * jco host and under the guarded host with every grant. The guarded host must
 * give wasmtime's answer at every step; where the stock host already gives it,
 * the guarded line must be the stock line, character for character. Then one
 * named example for each class of issue #12.
 */
import { describe, expect, it } from "vitest";
import { netops, stockNetops } from "./helpers/guest.js";
import { ALL, PROGRAMS, matches, type Step } from "./helpers/wasmtime-programs.js";

describe("wasmtime-style programs under allow-everything", () => {
  for (const program of PROGRAMS) {
    it(program.name, async () => {
      const stock = (await stockNetops())({ op: "script", steps: program.steps });
      const guarded = (await netops(ALL)).exec({ op: "script", steps: program.steps });
      expect(guarded.stage).not.toBe("trap");
      expect(stock.stage).not.toBe("trap");
      program.expect.forEach((want, i) => {
        const g = guarded.results?.[i];
        const s = stock.results?.[i];
        expect(matches(g, want), `step ${i} ${JSON.stringify(program.steps[i])}: ${g}, want ${want}`).toBe(true);
        if (matches(s, want)) expect(g, `step ${i}: stock ${s}`).toBe(s);
      });
    }, 30_000);
  }
});

describe("issue #12 classes", () => {
  it("error precedence: an invalid connect target is invalid-argument, a connect on a listener invalid-state", async () => {
    const guest = await netops(ALL);
    const r = guest.exec({ op: "script", steps: [
      { c: "tcp", family: "ipv4" }, { c: "connect", s: 0, addr: "0.0.0.0:80" }, { c: "connect", s: 0, addr: "127.0.0.1:0" },
      { c: "connect", s: 0, addr: "[::1]:80" }, { c: "connect", s: 0, addr: "255.255.255.255:80" },
      { c: "tcp", family: "ipv4" }, { c: "bind", s: 1, addr: "127.0.0.1:0" }, { c: "listen", s: 1 }, { c: "connect", s: 1, addr: "127.0.0.1:1" },
    ] });
    expect(r.results).toEqual(["ok", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument",
      "ok", "ok", "ok", "err:invalid-state"]);
  });

  it("udp stream(remote) with an invalid remote is invalid-argument", async () => {
    const guest = await netops(ALL);
    const r = guest.exec({ op: "script", steps: [
      { c: "udp", family: "ipv4" }, { c: "bind", s: 0, addr: "127.0.0.1:0" },
      { c: "stream", s: 0, addr: "0.0.0.0:4321" }, { c: "stream", s: 0, addr: "127.0.0.1:0" }, { c: "stream", s: 0, addr: "[::1]:4321" },
    ] });
    expect(r.results).toEqual(["ok", "ok", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument"]);
  });

  it("a refused connect is wasmtime's: start-connect succeeds, finish-connect is access-denied, then the socket is Closed(access-denied)", async () => {
    // wasmtime checks a connect's permission inside its connect future (sockets/tcp.rs `start_connect`), so the
    // socket is Connecting until finish-connect, and Closed(access-denied) after it: each call below gets
    // wasmtime's answer for that state, value checks first.
    const guest = await netops([...ALL, "--deny-outbound=tcp://127.0.0.1:*"]);
    const calls = (s: number): Step[] => [
      { c: "startBind", s, addr: "127.0.0.1:0" }, { c: "startConnect", s, addr: { local: 0 } }, { c: "startListen", s },
      { c: "finishBind", s }, { c: "finishListen", s }, { c: "accept", s }, { c: "local", s }, { c: "remote", s }, { c: "listening", s },
      { c: "get", s, option: "keepAliveEnabled" }, { c: "set", s, option: "setKeepAliveIdleTime", value: 0 },
      { c: "set", s, option: "setKeepAliveCount", value: 0 }, { c: "set", s, option: "setListenBacklogSize", value: 0 },
      { c: "set", s, option: "setListenBacklogSize", value: 32 }, { c: "set", s, option: "setHopLimit", value: 255 },
      { c: "get", s, option: "receiveBufferSize" }, { c: "shutdown", s }, { c: "family", s },
    ];
    const r = guest.exec({ op: "script", steps: [
      { c: "tcp", family: "ipv4" }, { c: "bind", s: 0, addr: "127.0.0.1:0" }, { c: "listen", s: 0 },
      { c: "tcp", family: "ipv4" }, { c: "startConnect", s: 1, addr: { local: 0 } }, ...calls(1),
      { c: "finishConnect", s: 1 }, { c: "finishConnect", s: 1 }, ...calls(1),
      { c: "tcp", family: "ipv4" }, { c: "connect", s: 2, addr: { local: 0 } }, { c: "accept", s: 0 },
    ] });
    const connecting = ["err:concurrency-conflict", "err:concurrency-conflict", "err:concurrency-conflict",
      "err:not-in-progress", "err:not-in-progress", "err:invalid-state", "err:invalid-state", "err:invalid-state", "ok:false",
      "err:invalid-state", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument", "err:invalid-state", "err:invalid-state",
      "err:invalid-state", "err:invalid-state", "ok:ipv4"];
    const closed = ["err:invalid-state", "err:invalid-state", "err:invalid-state",
      "err:not-in-progress", "err:not-in-progress", "err:invalid-state", "err:access-denied", "err:access-denied", "ok:false",
      "err:access-denied", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument", "err:access-denied", "err:access-denied",
      "err:access-denied", "err:invalid-state", "ok:ipv4"];
    expect(r.stage).not.toBe("trap");
    expect(r.results).toEqual(["ok", "ok", "ok", "ok", "ok", ...connecting, "err:access-denied", "err:not-in-progress", ...closed,
      "ok", "err:access-denied", "err:would-block"]);
  });

  it("resolve-addresses(\"0.0.0.0\") answers the literal and does not trap", async () => {
    const guest = await netops(ALL);
    const r = guest.exec({ op: "script", steps: [{ c: "resolve", name: "0.0.0.0" }, { c: "resolve", name: "::" }] });
    expect(r.stage).not.toBe("trap");
    expect(r.results).toEqual(["ok:0.0.0.0", "ok:0:0:0:0:0:0:0:0"]);
  });

  it("no tcp grant: create-tcp-socket is access-denied, as wasmtime's p2_cli_no_tcp expects under -S tcp=n", async () => {
    const guest = await netops(["--allow-outbound=udp://*:*", "--allow-inbound=udp://*:*", "--allow-resolve=*"]);
    const r = guest.exec({ op: "script", steps: [
      { c: "tcp", family: "ipv4" }, { c: "bind", s: 0, addr: "127.0.0.1:0" }, { c: "listen", s: 0 }, { c: "udp", family: "ipv4" },
    ] });
    expect(r.results).toEqual(["err:access-denied", "err:no-such-socket", "err:no-such-socket", "ok"]);
  });

  it("no udp grant: create-udp-socket is access-denied, as wasmtime's p2_cli_no_udp expects under -S udp=n", async () => {
    const guest = await netops(["--allow-outbound=tcp://*:*", "--allow-inbound=tcp://*:*", "--allow-resolve=*"]);
    const r = guest.exec({ op: "script", steps: [{ c: "udp", family: "ipv4" }, { c: "udp", family: "ipv6" }, { c: "tcp", family: "ipv4" }] });
    expect(r.results).toEqual(["err:access-denied", "err:access-denied", "ok"]);
  });
});
