// hello-db: a WASI command component (built with `node build.mjs`) that
// shows what netperm grants. It serves a tiny "database" on 127.0.0.1:5433,
// then, as a client, resolves db.internal and connects to db.internal:5432,
// which netperm maps to 127.0.0.1:5433. Then it tries three things it was
// not granted (all on loopback). Every step prints what happened.
// Arguments `LISTEN CLOSED` replace 5433 (the port it serves on) and 5434
// (the port it is denied): `netperm run --example hello-db` passes free ones.
import { getArguments } from "wasi:cli/environment@0.2.12";
import { getStdout } from "wasi:cli/stdout@0.2.12";
import { subscribeDuration } from "wasi:clocks/monotonic-clock@0.2.12";
import { poll } from "wasi:io/poll@0.2.12";
import { instanceNetwork } from "wasi:sockets/instance-network@0.2.12";
import { resolveAddresses } from "wasi:sockets/ip-name-lookup@0.2.12";
import { createTcpSocket } from "wasi:sockets/tcp-create-socket@0.2.12";

// Resources must be taken at run time, not at module top level: the module
// body runs once at build time (Wizer snapshot), where handles do not survive.
function print(line) {
  const bytes = [];
  for (const ch of line + "\n") bytes.push(ch.charCodeAt(0) & 0xff);
  getStdout().blockingWriteAndFlush(new Uint8Array(bytes));
}
function code(e) {
  if (typeof e === "string") return e;
  if (e && typeof e.payload === "string") return e.payload;
  if (e && e.payload && e.payload.tag) return e.payload.tag;
  return String(e && e.message ? e.message : e);
}
function settle(pollable, fn) {
  const until = subscribeDuration(10e9);
  for (;;) {
    try {
      return fn();
    } catch (e) {
      if (code(e) !== "would-block") throw e;
      if (!Array.from(poll([pollable, until])).includes(0)) throw "timed out";
    }
  }
}
function v4(a, port) {
  return { tag: "ipv4", val: { port, address: a } };
}
function show(addr) {
  return addr.val.address.join(".") + ":" + addr.val.port;
}
function text(bytes) {
  return String.fromCharCode(...bytes);
}
function bytes(s) {
  return new Uint8Array([...s].map((c) => c.charCodeAt(0)));
}
function readSome(input, n) {
  const until = subscribeDuration(10e9);
  for (;;) {
    const got = input.read(n);
    if (got.length > 0) return got;
    if (!Array.from(poll([input.subscribe(), until])).includes(0)) throw "timed out";
  }
}
function lookup(name) {
  const stream = resolveAddresses(instanceNetwork(), name);
  const found = [];
  for (;;) {
    const next = settle(stream.subscribe(), () => stream.resolveNextAddress());
    if (next === undefined || next === null) return found;
    found.push(next);
  }
}
function attempt(label, fn) {
  try {
    print("  allowed  " + label + ": " + fn());
  } catch (e) {
    print("  denied   " + label + ": " + code(e));
  }
}

/** The port in argument `i`, or `fallback` when there is none. */
function portArgument(i, fallback) {
  const arg = getArguments()[i];
  if (arg === undefined) return fallback;
  const n = Number(arg);
  if (!/^[0-9]+$/.test(arg) || n < 1 || n > 65535) throw new Error("hello-db: a port must be 1-65535, got '" + arg + "'");
  return n;
}

export const run = {
  run() {
    const net = instanceNetwork();
    const listenPort = portArgument(1, 5433);
    const closedPort = portArgument(2, 5434);
    print("hello-db: a component under netperm");

    const server = createTcpSocket("ipv4");
    attempt("listen on 127.0.0.1:" + listenPort, () => {
      server.startBind(net, v4([127, 0, 0, 1], listenPort));
      settle(server.subscribe(), () => server.finishBind());
      server.startListen();
      settle(server.subscribe(), () => server.finishListen());
      return "listening on " + show(server.localAddress());
    });

    let address;
    attempt("resolve db.internal", () => {
      const found = lookup("db.internal");
      address = found[0];
      return found.map((a) => a.val.join(".")).join(", ");
    });

    if (address) {
      attempt("query db.internal:5432", () => {
        const client = createTcpSocket("ipv4");
        client.startConnect(net, v4(address.val, 5432));
        const [input, output] = settle(client.subscribe(), () => client.finishConnect());
        output.blockingWriteAndFlush(bytes("SELECT 1"));
        const [conn, serverIn, serverOut] = settle(server.subscribe(), () => server.accept());
        const query = text(readSome(serverIn, 64));
        serverOut.blockingWriteAndFlush(bytes("1 row for '" + query + "'"));
        const answer = text(readSome(input, 64));
        return "remote-address " + show(client.remoteAddress()) + ", answer: " + answer;
      });
    }

    // Denied on purpose, and loopback only: localhost resolves on every
    // machine, and 127.0.0.1:5434 (or CLOSED) is a port the policy does not
    // grant (the CLI's test listens there, so a broken guard would be seen
    // reaching it).
    attempt("resolve localhost", () => lookup("localhost").map((a) => a.val.join(".")).join(", "));
    attempt("connect 127.0.0.1:" + closedPort, () => {
      const s = createTcpSocket("ipv4");
      s.startConnect(net, v4([127, 0, 0, 1], closedPort));
      settle(s.subscribe(), () => s.finishConnect());
      return "connected";
    });
    attempt("listen on 0.0.0.0:8080", () => {
      const s = createTcpSocket("ipv4");
      s.startBind(net, v4([0, 0, 0, 0], 8080));
      return "bound";
    });
  },
};
