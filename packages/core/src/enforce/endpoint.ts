/**
 * The mapped endpoint, both ways. A decision carries the mapping
 * (`decision.mapped`: where to really connect or bind), and the enforcement
 * point keeps what the guest or client asked for; from those two it turns
 * the asked endpoint into the real one (`realEndpoint`) and shows a real
 * endpoint back as the guest's own view (`guestEndpoint`).
 *
 * `--allow-outbound=tcp://db.internal->127.0.0.5:5432->5433`: the guest
 * connects to 127.0.0.5:5432, the socket goes to 127.0.0.5:5433, and the
 * guest's `remote-address` still says :5432. `--allow-inbound=tcp://*:80->8888`:
 * the guest binds :80, the socket binds :8888, `local-address` says :80.
 */
import { parseIp } from "../grammar/ip.js";
import type { Decision } from "../types.js";

/** A host (canonical IP text, or a name for a proxy's named request) and a port. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * Where the socket really goes for `asked` under `decision`: the mapped host
 * and port where the decision maps them, the asked ones where it does not.
 * Undefined when the decision is a denial (fail closed: nothing to open).
 *
 * @example
 * const d = compile(parsePolicy(["--allow-inbound=tcp://*:80->8888"])).decide({ op: "bind", protocol: "tcp", host: "0.0.0.0", port: 80 });
 * realEndpoint(d, { host: "0.0.0.0", port: 80 }); // { host: "0.0.0.0", port: 8888 }
 */
export function realEndpoint(decision: Decision, asked: Endpoint): Endpoint | undefined {
  if (decision.allowed !== true) return undefined;
  const mapped = decision.mapped;
  return { host: mapped?.host ?? asked.host, port: mapped?.port ?? asked.port };
}

function isUnspecified(host: string): boolean {
  const text = parseIp(host)?.text;
  return text === "0.0.0.0" || text === "::";
}

/**
 * What the guest is shown for `real`, the endpoint its socket really has,
 * when it asked for `asked`: its own host and port, except where it let the
 * OS choose. An unspecified address (`0.0.0.0`, `::`) shows the real address
 * (an accepted connection's local address), port 0 the real port (the free
 * port the OS picked).
 *
 * @example
 * guestEndpoint({ host: "0.0.0.0", port: 80 }, { host: "127.0.0.1", port: 8888 }); // { host: "127.0.0.1", port: 80 }
 * guestEndpoint({ host: "127.0.0.5", port: 5432 }, { host: "127.0.0.5", port: 5433 }); // { host: "127.0.0.5", port: 5432 }
 */
export function guestEndpoint(asked: Endpoint, real: Endpoint): Endpoint {
  return {
    host: isUnspecified(asked.host) ? real.host : asked.host,
    port: asked.port === 0 ? real.port : asked.port,
  };
}
