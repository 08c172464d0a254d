// The scripted socket calls of the test guests: one low-level wasi:sockets
// call per step, on handles the script creates, each step's result printed
// as one line ("ok", "ok:<value>", "err:<code>"). Ports are printed as "#"
// (the OS picks them; two hosts never agree on them). A test runs the same
// script under two hosts and compares the lines.
import { instanceNetwork } from "wasi:sockets/instance-network@0.2.12";
import { resolveAddresses } from "wasi:sockets/ip-name-lookup@0.2.12";
import { createTcpSocket } from "wasi:sockets/tcp-create-socket@0.2.12";
import { createUdpSocket } from "wasi:sockets/udp-create-socket@0.2.12";
import { deadline, decode, encode, errorCode, finish, formatIp, parseAddress, readAll, wait } from "./io.js";
import { subscribeDuration } from "wasi:clocks/monotonic-clock@0.2.12";
import { poll } from "wasi:io/poll@0.2.12";

/** Short, bounded waits for things that may never come (an accept, a datagram). */
const SHORT_NS = 300_000_000;
/** A read of data that is on its way over loopback (ms); longer only on a stalled machine. */
const READ_NS = 2_000_000_000;

function masked(address) {
  return address.tag === "ipv4" ? address.val.address.join(".") + ":#" : "[" + formatIp(address) + "]:#";
}

/** `{ to }` text, or `{ local: k }` / `{ remote: k }`: the address of script socket k. */
function target(state, spec) {
  if (typeof spec === "string") return parseAddress(spec);
  const entry = state.sockets[spec.local ?? spec.remote];
  if (!entry) throw "no-such-socket";
  const addr = spec.local !== undefined ? entry.socket.localAddress() : entry.socket.remoteAddress();
  if (spec.port === undefined) return addr;
  return { tag: addr.tag, val: { ...addr.val, port: spec.port } };
}

function waitShort(pollable) {
  poll([pollable, subscribeDuration(SHORT_NS)]);
}

const steps = {
  tcp(state, s) {
    state.sockets.push({ kind: "tcp", socket: createTcpSocket(s.family) });
    return "ok";
  },
  udp(state, s) {
    state.sockets.push({ kind: "udp", socket: createUdpSocket(s.family) });
    return "ok";
  },
  bind(state, s, e) {
    e.socket.startBind(instanceNetwork(), target(state, s.addr));
    finish(e.socket.subscribe(), () => e.socket.finishBind());
    return "ok";
  },
  startBind(state, s, e) {
    e.socket.startBind(instanceNetwork(), target(state, s.addr));
    return "ok";
  },
  finishBind(state, s, e) {
    e.socket.finishBind();
    return "ok";
  },
  connect(state, s, e) {
    e.socket.startConnect(instanceNetwork(), target(state, s.addr));
    [e.input, e.output] = finish(e.socket.subscribe(), () => e.socket.finishConnect());
    return "ok";
  },
  startConnect(state, s, e) {
    e.socket.startConnect(instanceNetwork(), target(state, s.addr));
    return "ok";
  },
  finishConnect(state, s, e) {
    [e.input, e.output] = e.socket.finishConnect();
    return "ok";
  },
  listen(state, s, e) {
    e.socket.startListen();
    finish(e.socket.subscribe(), () => e.socket.finishListen());
    return "ok";
  },
  startListen(state, s, e) {
    e.socket.startListen();
    return "ok";
  },
  finishListen(state, s, e) {
    e.socket.finishListen();
    return "ok";
  },
  accept(state, s, e) {
    waitShort(e.socket.subscribe());
    const [socket, input, output] = e.socket.accept();
    state.sockets.push({ kind: "tcp", socket, input, output });
    return "ok";
  },
  write(state, s, e) {
    if (!e.output) throw "no-stream";
    e.output.blockingWriteAndFlush(encode(s.data));
    return "ok";
  },
  read(state, s, e) {
    if (!e.input) throw "no-stream";
    // Bounded (`ms`, or READ_NS): a generated script may read where nothing will come.
    let got;
    try {
      got = readAll(e.input, s.data.length, subscribeDuration(s.ms ? s.ms * 1e6 : READ_NS));
    } catch (err) {
      if (err !== "guest-timeout") throw err;
      return "err:nothing-to-read";
    }
    return "ok:" + decode(got);
  },
  shutdown(state, s, e) {
    e.socket.shutdown(s.how ?? "both");
    return "ok";
  },
  local(state, s, e) {
    return "ok:" + masked(e.socket.localAddress());
  },
  remote(state, s, e) {
    return "ok:" + masked(e.socket.remoteAddress());
  },
  listening(state, s, e) {
    return "ok:" + e.socket.isListening();
  },
  family(state, s, e) {
    return "ok:" + e.socket.addressFamily();
  },
  get(state, s, e) {
    // Values the OS picks (buffer sizes) differ between hosts: print whether there was one.
    const value = e.socket[s.option]();
    return s.exact ? "ok:" + String(value) : "ok";
  },
  set(state, s, e) {
    // componentize-qjs passes u64 (buffer sizes, durations) as JS numbers too.
    e.socket[s.option](s.value);
    return "ok";
  },
  stream(state, s, e) {
    [e.incoming, e.outgoing] = e.socket.stream(s.addr === undefined || s.addr === null ? undefined : target(state, s.addr));
    return "ok";
  },
  send(state, s, e) {
    if (!e.outgoing) throw "no-stream";
    let permit = e.outgoing.checkSend();
    for (let i = 0; Number(permit) === 0 && i < 20; i++) {
      waitShort(e.outgoing.subscribe());
      permit = e.outgoing.checkSend();
    }
    const datagram = { data: encode(s.data), remoteAddress: s.addr === undefined || s.addr === null ? undefined : target(state, s.addr) };
    return "ok:" + String(e.outgoing.send([datagram]));
  },
  receive(state, s, e) {
    if (!e.incoming) throw "no-stream";
    let got = e.incoming.receive(4);
    if (got.length === 0) {
      waitShort(e.incoming.subscribe());
      got = e.incoming.receive(4);
    }
    return "ok:" + got.map((d) => decode(d.data) + "@" + masked(d.remoteAddress)).join(",");
  },
  resolve(state, s) {
    const stream = resolveAddresses(instanceNetwork(), s.name);
    const out = [];
    const until = deadline();
    for (let i = 0; i < 64; i++) {
      let next;
      try {
        next = stream.resolveNextAddress();
      } catch (err) {
        if (errorCode(err) !== "would-block") throw err;
        wait(stream.subscribe(), until);
        continue;
      }
      if (next === undefined || next === null) break;
      out.push(formatIp(next));
    }
    return "ok:" + out.join(",");
  },
};

/** { steps: [{ c, s?, ... }] } -> { ok: true, results: ["ok" | "ok:value" | "err:code", ...] } */
export function script(req) {
  const state = { sockets: [] };
  const results = [];
  for (const step of req.steps) {
    const run = steps[step.c];
    try {
      if (!run) throw "unknown-step";
      const entry = step.s === undefined ? undefined : state.sockets[step.s];
      if (step.s !== undefined && !entry) throw "no-such-socket";
      results.push(run(state, step, entry));
    } catch (e) {
      results.push("err:" + errorCode(e));
    }
  }
  return { ok: true, results };
}
