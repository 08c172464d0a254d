// The test guest: every network role (TCP client and server, UDP sender and
// receiver, resolver) behind one JSON entry point, plus a
// wasi:cli/run that takes the same request as its first argument.
import { getArguments } from "wasi:cli/environment@0.2.12";
import { getStdout } from "wasi:cli/stdout@0.2.12";
import { encode } from "./io.js";
import { resolve } from "./resolver.js";
import { tcpAcceptEcho, tcpClose, tcpConnect, tcpListen } from "./tcp.js";
import { udpBind, udpClose, udpEcho, udpSend } from "./udp.js";

const ops = { tcpConnect, tcpListen, tcpAcceptEcho, tcpClose, udpBind, udpSend, udpEcho, udpClose, resolve };

function exec(text) {
  const req = JSON.parse(text);
  const op = ops[req.op];
  return JSON.stringify(op ? op(req) : { ok: false, stage: "exec", error: "unknown-op" });
}

export const probe = { exec };

export const run = {
  run() {
    const args = getArguments();
    const results = args.slice(1).map(exec);
    getStdout().blockingWriteAndFlush(encode(results.join("\n") + "\n"));
    if (results.some((r) => !JSON.parse(r).ok)) throw "guest-reported-failure";
  },
};
