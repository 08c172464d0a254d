// The UDP sender/receiver of the test guests.
import { instanceNetwork } from "wasi:sockets/instance-network@0.2.12";
import { createUdpSocket } from "wasi:sockets/udp-create-socket@0.2.12";
import { deadline, decode, encode, errorCode, finish, formatAddress, parseAddress, wait } from "./io.js";

const sockets = new Map();
let nextId = 1;

function receiveOne(incoming) {
  const until = deadline();
  for (;;) {
    const got = incoming.receive(1);
    if (got.length > 0) return got[0];
    wait(incoming.subscribe(), until);
  }
}

/** { at } -> binds a UDP socket, kept under an id. */
export function udpBind(req) {
  let stage = "create";
  try {
    const socket = createUdpSocket(req.at.startsWith("[") ? "ipv6" : "ipv4");
    stage = "bind";
    socket.startBind(instanceNetwork(), parseAddress(req.at));
    finish(socket.subscribe(), () => socket.finishBind());
    const id = nextId++;
    sockets.set(id, { socket });
    return { ok: true, id, local: formatAddress(socket.localAddress()) };
  } catch (e) {
    return { ok: false, stage, error: errorCode(e) };
  }
}

/**
 * { id, to?, connect?, send, reply? } -> sends one datagram (to `to`, or on a
 * stream connected to `to` when `connect`), then waits for one reply if asked.
 */
export function udpSend(req) {
  const entry = sockets.get(req.id);
  if (!entry) return { ok: false, stage: "send", error: "no-such-socket" };
  let stage = "stream";
  try {
    const [incoming, outgoing] = entry.socket.stream(req.connect ? parseAddress(req.to) : undefined);
    stage = "send";
    const datagram = { data: encode(req.send), remoteAddress: req.connect ? undefined : parseAddress(req.to) };
    let permit = outgoing.checkSend();
    const until = deadline();
    while (Number(permit) === 0) {
      wait(outgoing.subscribe(), until);
      permit = outgoing.checkSend();
    }
    const sent = outgoing.send([datagram]);
    const result = { ok: true, sent: Number(sent), local: formatAddress(entry.socket.localAddress()) };
    if (req.connect) result.remote = formatAddress(entry.socket.remoteAddress());
    if (req.reply) {
      stage = "receive";
      const got = receiveOne(incoming);
      result.reply = { data: decode(got.data), from: formatAddress(got.remoteAddress) };
    }
    return result;
  } catch (e) {
    return { ok: false, stage, error: errorCode(e) };
  }
}

/** { id } -> receives one datagram and echoes it to its sender. */
export function udpEcho(req) {
  const entry = sockets.get(req.id);
  if (!entry) return { ok: false, stage: "receive", error: "no-such-socket" };
  try {
    const [incoming, outgoing] = entry.socket.stream(undefined);
    const got = receiveOne(incoming);
    outgoing.checkSend();
    outgoing.send([{ data: got.data, remoteAddress: got.remoteAddress }]);
    return { ok: true, received: decode(got.data), from: formatAddress(got.remoteAddress) };
  } catch (e) {
    return { ok: false, stage: "receive", error: errorCode(e) };
  }
}

export function udpClose(req) {
  const entry = sockets.get(req.id);
  sockets.delete(req.id);
  return { ok: entry !== undefined };
}
