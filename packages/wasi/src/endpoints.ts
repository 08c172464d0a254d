/**
 * A decision's mapping on WIT socket addresses, by core's enforcement kit:
 * `realTarget` is where the socket really connects or binds
 * (`realEndpoint`), `guestView` what the guest is shown for the address its
 * socket really has (`guestEndpoint`). Shared by the TCP and UDP sockets.
 */
import { guestEndpoint, realEndpoint, type Decision } from "@netperm/core";
import { fromWit, toWit, withPort, type WitSocketAddress } from "./addresses.js";
import type { Family } from "./validate.js";

/** The real target of an allowed decision on `guest` (the mapped one, if any); undefined for a denial or an unusable mapping. */
export function realTarget(decision: Decision, guest: WitSocketAddress, family: Family): WitSocketAddress | undefined {
  if (decision.allowed && (decision.mapped?.host ?? decision.mapped?.port) === undefined) return guest;
  const real = realEndpoint(decision, fromWit(guest));
  return real === undefined ? undefined : toWit(real, family);
}

export function sameAddress(a: WitSocketAddress, b: WitSocketAddress): boolean {
  const x = fromWit(a);
  const y = fromWit(b);
  return x.host === y.host && x.port === y.port;
}

/**
 * The guest's view of `real` (the address its socket really has) when it
 * asked for `guest` under a mapping: the port it asked for, or the real one
 * where it asked for port 0. The address is the real one (an inbound
 * mapping moves ports only), with its flow info and scope.
 */
export function guestView(guest: WitSocketAddress, real: WitSocketAddress): WitSocketAddress {
  return withPort(real, guestEndpoint(fromWit(guest), fromWit(real)).port);
}
