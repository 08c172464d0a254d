/**
 * What the guarded classes of one instance share: the guard, the shim's own
 * socket namespace (with its instance-local `Network`), and the network
 * handle the guest sees. The shim's objects are typed loosely here: their
 * shapes are the WASI 0.2 interfaces, checked by the transpiled glue.
 */
import * as shimSockets from "@bytecodealliance/preview2-shim/sockets";
import { grantsOf, type Grants } from "./grants.js";
import type { Guard } from "./guard.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
/** A shim object (socket, stream, network) whose methods are WASI's. */
export type ShimObject = any;

/** The Node build of the shim's sockets module (its published types describe the browser build). */
interface ShimSocketsModule {
  createSockets(config?: { enableNetwork?: boolean }): {
    instanceNetwork: { instanceNetwork(): ShimObject };
    network: Record<string, unknown>;
    ipNameLookup: { resolveAddresses(network: ShimObject, name: string): ShimObject };
    tcpCreateSocket: { createTcpSocket(family: "ipv4" | "ipv6"): ShimObject };
    udpCreateSocket: { createUdpSocket(family: "ipv4" | "ipv6"): ShimObject };
  };
}
const { createSockets } = shimSockets as unknown as ShimSocketsModule;

export const symbolDispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for("dispose");

/** The guest's `network` handle: opaque; only this instance's one is accepted. */
export class GuardedNetwork {
  /** Compatibility with the resource placeholder of the bundled WASI WIT. */
  noop(): void {}
}

export interface Context {
  readonly guard: Guard;
  /** What the policy grants at all (a protocol with no grant behaves as switched off). */
  readonly grants: Grants;
  /** The shim's own namespaces, with a fresh instance-local network. */
  readonly base: ReturnType<typeof createSockets>;
  /** The shim's genuine Network for this instance (never handed to the guest). */
  readonly realNetwork: ShimObject;
  /** The handle `instance-network` gives the guest. */
  readonly network: GuardedNetwork;
}

export function createContext(guard: Guard): Context {
  const base = createSockets({ enableNetwork: true });
  const realNetwork: ShimObject = base.instanceNetwork.instanceNetwork();
  return { guard, grants: grantsOf(guard.compiled.policy), base, realNetwork, network: new GuardedNetwork() };
}

/** Guests may only use the network handle of their own instance. */
export function checkNetwork(context: Context, network: unknown): void {
  if (network !== context.network) throw "invalid-argument";
}
