// The test guest: every network role (TCP client and server, UDP sender and
// receiver, resolver), its environment and preopened files behind one JSON
// entry point, plus a wasi:cli/run that takes one such request per argument.
// Ops: tcp*, udp*, resolve (network); env, exit (wasi:cli); preopens,
// readFile, writeFile (wasi:filesystem through the preopens); script (one
// wasi:sockets call per step, see script.js).
import { getArguments } from "wasi:cli/environment@0.2.12";
import { getStdout } from "wasi:cli/stdout@0.2.12";
import { env, exit } from "./env.js";
import { preopens, readFile, writeFile } from "./fs.js";
import { encode } from "./io.js";
import { resolve } from "./resolver.js";
import { script } from "./script.js";
import { tcpAcceptEcho, tcpClose, tcpConnect, tcpListen } from "./tcp.js";
import { udpBind, udpClose, udpEcho, udpSend } from "./udp.js";

const ops = {
  tcpConnect, tcpListen, tcpAcceptEcho, tcpClose, udpBind, udpSend, udpEcho, udpClose, resolve,
  env, exit, preopens, readFile, writeFile, script,
};

function exec(text) {
  const req = JSON.parse(text);
  const op = ops[req.op];
  return JSON.stringify(op ? op(req) : { ok: false, stage: "exec", error: "unknown-op" });
}

export const probe = { exec };

/**
 * Runs each argument after the program name that is a JSON object as a
 * request, printing each result line as it comes; other arguments are only
 * data (the `env` op shows them). Fails when any request did.
 */
export const run = {
  run() {
    let failed = false;
    for (const request of getArguments().slice(1)) {
      if (!request.startsWith("{")) continue;
      const result = exec(request);
      getStdout().blockingWriteAndFlush(encode(result + "\n"));
      if (!JSON.parse(result).ok) failed = true;
    }
    if (failed) throw "guest-reported-failure";
  },
};
