// The TCP client (connect, write, read) and the TCP server (bind, listen,
// accept, echo) of the test guests.
import { instanceNetwork } from "wasi:sockets/instance-network@0.2.12";
import { createTcpSocket } from "wasi:sockets/tcp-create-socket@0.2.12";
import { decode, encode, errorCode, finish, formatAddress, parseAddress, readAll, writeAll } from "./io.js";

const listeners = new Map();
let nextId = 1;

function family(address) {
  return address.startsWith("[") ? "ipv6" : "ipv4";
}

/** { to, send?, bind? } -> connects, sends, half-closes, reads the answer. */
export function tcpConnect(req) {
  let stage = "create";
  try {
    const socket = createTcpSocket(family(req.to));
    const net = instanceNetwork();
    if (req.bind) {
      stage = "bind";
      socket.startBind(net, parseAddress(req.bind));
      finish(socket.subscribe(), () => socket.finishBind());
    }
    stage = "connect";
    socket.startConnect(net, parseAddress(req.to));
    const [input, output] = finish(socket.subscribe(), () => socket.finishConnect());
    const result = { ok: true, local: formatAddress(socket.localAddress()), remote: formatAddress(socket.remoteAddress()) };
    stage = "io";
    if (req.send !== undefined) {
      // The shim's shutdown closes both ways, so the guest reads as many bytes as it expects.
      const bytes = encode(req.send);
      writeAll(output, bytes);
      result.received = decode(readAll(input, req.expect ?? bytes.length));
    }
    return result;
  } catch (e) {
    return { ok: false, stage, error: errorCode(e) };
  }
}

/** { at, backlog? } -> binds and listens; the socket is kept under an id. */
export function tcpListen(req) {
  let stage = "create";
  try {
    const socket = createTcpSocket(family(req.at));
    stage = "bind";
    socket.startBind(instanceNetwork(), parseAddress(req.at));
    finish(socket.subscribe(), () => socket.finishBind());
    stage = "listen";
    socket.startListen();
    finish(socket.subscribe(), () => socket.finishListen());
    const id = nextId++;
    listeners.set(id, socket);
    return { ok: true, id, local: formatAddress(socket.localAddress()) };
  } catch (e) {
    return { ok: false, stage, error: errorCode(e) };
  }
}

/** { id } -> accepts one connection, reads until the peer half-closes, echoes it back. */
export function tcpAcceptEcho(req) {
  const listener = listeners.get(req.id);
  if (!listener) return { ok: false, stage: "accept", error: "no-such-listener" };
  try {
    const [conn, input, output] = finish(listener.subscribe(), () => listener.accept());
    const local = formatAddress(conn.localAddress());
    const remote = formatAddress(conn.remoteAddress());
    const data = readAll(input, req.max ?? 65536);
    writeAll(output, data);
    conn.shutdown("both");
    return { ok: true, local, remote, received: decode(data) };
  } catch (e) {
    return { ok: false, stage: "accept", error: errorCode(e) };
  }
}

export function tcpClose(req) {
  const listener = listeners.get(req.id);
  listeners.delete(req.id);
  return { ok: listener !== undefined };
}
