// The resolver of the test guests: wasi:sockets/ip-name-lookup.
import { instanceNetwork } from "wasi:sockets/instance-network@0.2.12";
import { resolveAddresses } from "wasi:sockets/ip-name-lookup@0.2.12";
import { deadline, errorCode, formatIp, wait } from "./io.js";

/** { name } -> every address the host answers, in order. */
export function resolve(req) {
  try {
    const stream = resolveAddresses(instanceNetwork(), req.name);
    const addresses = [];
    const until = deadline();
    for (;;) {
      let next;
      try {
        next = stream.resolveNextAddress();
      } catch (e) {
        if (errorCode(e) !== "would-block") throw e;
        wait(stream.subscribe(), until);
        continue;
      }
      if (next === undefined || next === null) break;
      addresses.push(formatIp(next));
    }
    return { ok: true, addresses };
  } catch (e) {
    return { ok: false, stage: "resolve", error: errorCode(e) };
  }
}
