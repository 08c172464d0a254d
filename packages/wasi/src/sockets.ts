/**
 * `guardedSockets(policy)`: the whole `wasi:sockets` namespace for one
 * component instance, shaped for `new WASIShim({ sockets })`. Each call
 * makes new classes, so two instances never share grants, sockets or
 * resolution tables, and a guest cannot read or change its grants.
 */
import type { CompiledPolicy, Policy } from "@netperm/core";
import { createContext, type GuardedNetwork } from "./context.js";
import { Guard, type GuardOptions } from "./guard.js";
import { createLookup } from "./lookup.js";
import { createTcp } from "./tcp.js";
import { createUdp } from "./udp.js";

export type GuardedSockets = ReturnType<typeof build>;

function build(guard: Guard) {
  const context = createContext(guard);
  const { tcp, tcpCreateSocket } = createTcp(context);
  const { udp, udpCreateSocket } = createUdp(context);
  const { ipNameLookup } = createLookup(context);
  return {
    instanceNetwork: { instanceNetwork: (): GuardedNetwork => context.network },
    network: { ...context.base.network, Network: context.network.constructor as typeof GuardedNetwork },
    ipNameLookup,
    tcp,
    tcpCreateSocket,
    udp,
    udpCreateSocket,
    /** The guard deciding for this instance (its resolution table, its compiled policy). */
    guard,
  };
}

/**
 * The guarded `wasi:sockets` for one instance.
 *
 * @example
 * const shim = new WASIShim({ sockets: guardedSockets(parsePolicy(["--allow-outbound=tcp://127.0.0.1:5432"])) });
 * const instance = await instantiate(getCoreModule, shim.getImportObject());
 */
export function guardedSockets(policy: Policy | CompiledPolicy | Guard, options: GuardOptions = {}): GuardedSockets {
  return build(policy instanceof Guard ? policy : new Guard(policy, options));
}
