/**
 * Guarded `wasi:sockets/udp`, in wasmtime's order (see tcp.ts): no grant
 * for a direction first (`access-denied`), then state and arguments, then
 * the policy. start-bind is decided as inbound udp, a connected
 * `stream(remote)` as outbound udp connect, and every datagram sent to an
 * explicit address as outbound udp send. Mapped targets are translated on
 * the way out and back on the way in, so received datagrams carry the
 * address the guest sent to. UDP without an inbound grant can do nothing
 * (WASI 0.2 sockets must be bound before they stream), so it is off.
 */
import { fromWit, type WitSocketAddress } from "./addresses.js";
import { guestView, realTarget, sameAddress } from "./endpoints.js";
import { checkNetwork, symbolDispose, type Context, type ShimObject } from "./context.js";
import { failClosed } from "./fail-closed.js";
import { forwardOptions, UDP_OPTIONS } from "./socket-options.js";
import { isOfFamily, isValidRemote, type Family } from "./validate.js";

/** wasmtime's MAX_DATAGRAM_SIZE. */
const MAX_DATAGRAM = 65535;

export interface Datagram {
  data: Uint8Array;
  remoteAddress?: WitSocketAddress | undefined;
}

function key(address: WitSocketAddress): string {
  const { host, port } = fromWit(address);
  return `${host}|${port}`;
}

type State = "init" | "binding" | "bound" | "connected" | "closed";

export function createUdp(context: Context) {
  const { guard, base, realNetwork, grants } = context;
  const udpOn = grants.udpInbound;
  /** Every call of a socket checks it again (failing closed), though a socket is only made with udp on. */
  const gate = (): void => {
    if (!udpOn) throw "access-denied";
  };

  /** Per socket: real peer address -> the address the guest used for it. */
  type Reverse = Map<string, WitSocketAddress>;

  class IncomingDatagramStream {
    readonly #inner: ShimObject;
    readonly #reverse: Reverse;
    constructor(inner: ShimObject, reverse: Reverse) {
      this.#inner = inner;
      this.#reverse = reverse;
    }
    receive(maxResults: bigint): Datagram[] {
      if (!udpOn) throw "access-denied";
      const got = this.#inner.receive(maxResults) as Datagram[];
      return failClosed(() =>
        got.map((d) => {
          const guest = d.remoteAddress ? this.#reverse.get(key(d.remoteAddress)) : undefined;
          return guest ? { data: d.data, remoteAddress: guest } : d;
        }),
      );
    }
    subscribe(): unknown {
      return this.#inner.subscribe();
    }
    [symbolDispose](): void {
      this.#inner[symbolDispose]?.();
    }
  }

  class OutgoingDatagramStream {
    readonly #inner: ShimObject;
    readonly #family: Family;
    readonly #reverse: Reverse;
    /** The guest's remote when the stream was made connected. */
    readonly #remote: WitSocketAddress | undefined;
    constructor(inner: ShimObject, family: Family, reverse: Reverse, remote: WitSocketAddress | undefined) {
      this.#inner = inner;
      this.#family = family;
      this.#reverse = reverse;
      this.#remote = remote;
    }
    checkSend(): bigint {
      if (!udpOn) throw "access-denied";
      return this.#inner.checkSend();
    }

    /** One datagram, checked as wasmtime's `send` does; the real datagram to hand the shim. */
    #check(datagram: Datagram): Datagram {
      const to = datagram.remoteAddress;
      if (!grants.udpOutbound) {
        if (to) guard.decide({ op: "send", protocol: "udp", ...fromWit(to) });
        throw "access-denied";
      }
      if (datagram.data.length > MAX_DATAGRAM) throw "datagram-too-large";
      if (!to) {
        if (!this.#remote) throw "invalid-argument";
        return datagram; // the stream is connected: decided at `stream(remote)`.
      }
      if (!isValidRemote(to) || !isOfFamily(to, this.#family)) throw "invalid-argument";
      if (this.#remote && !sameAddress(this.#remote, to)) throw "invalid-argument";
      if (this.#remote) return { data: datagram.data, remoteAddress: undefined };
      const { host, port } = fromWit(to);
      const decision = guard.decide({ op: "send", protocol: "udp", host, port });
      const real = decision.allowed ? realTarget(decision, to, this.#family) : undefined;
      if (!real) throw "access-denied";
      if (key(real) !== key(to)) this.#reverse.set(key(real), to);
      return { data: datagram.data, remoteAddress: real };
    }

    /**
     * Sends the longest prefix that passes. A refused first datagram is its
     * error; a later one ends the batch (WASI: once one datagram is sent,
     * `send` returns the count, never an error).
     */
    send(datagrams: Datagram[]): bigint {
      if (!udpOn) throw "access-denied";
      const out: Datagram[] = [];
      for (const datagram of datagrams) {
        try {
          out.push(failClosed(() => this.#check(datagram)));
        } catch (error) {
          if (out.length === 0) throw error;
          break;
        }
      }
      return out.length === 0 ? 0n : this.#inner.send(out);
    }
    subscribe(): unknown {
      return this.#inner.subscribe();
    }
    [symbolDispose](): void {
      this.#inner[symbolDispose]?.();
    }
  }

  class UdpSocket {
    readonly #inner: ShimObject;
    readonly #family: Family;
    #state: State = "init";
    #guestLocal: WitSocketAddress | undefined;
    #guestRemote: WitSocketAddress | undefined;
    readonly #reverse: Reverse = new Map();

    static {
      forwardOptions(UdpSocket.prototype, UDP_OPTIONS, (socket: UdpSocket) => socket.#inner, gate);
    }

    constructor(inner: ShimObject, family: Family) {
      this.#inner = inner;
      this.#family = family;
    }


    startBind(network: unknown, localAddress: WitSocketAddress): void {
      checkNetwork(context, network);
      const real = failClosed(() => {
        const { host, port } = fromWit(localAddress);
        if (!udpOn) {
          guard.decide({ op: "bind", protocol: "udp", host, port });
          throw "access-denied";
        }
        if (this.#state === "binding") throw "concurrency-conflict"; // wasmtime's p2 udp `start_bind`: a bind is unfinished
        if (this.#state !== "init") throw "invalid-state";
        if (!isOfFamily(localAddress, this.#family)) throw "invalid-argument";
        const decision = guard.decide({ op: "bind", protocol: "udp", host, port });
        const target = decision.allowed ? realTarget(decision, localAddress, this.#family) : undefined;
        if (!target) throw "access-denied";
        return target;
      });
      this.#inner.startBind(realNetwork, real);
      this.#state = "binding";
      this.#guestLocal = key(real) === key(localAddress) ? undefined : localAddress;
    }
    finishBind(): void {
      gate();
      try {
        this.#inner.finishBind();
        this.#state = "bound";
      } catch (error) {
        if (error !== "would-block" && error !== "not-in-progress") this.#state = "closed";
        throw error;
      }
    }
    stream(remoteAddress: WitSocketAddress | undefined): [IncomingDatagramStream, OutgoingDatagramStream] {
      const real = failClosed(() => {
        if (remoteAddress && (!udpOn || !grants.udpOutbound)) {
          const { host, port } = fromWit(remoteAddress);
          guard.decide({ op: "connect", protocol: "udp", host, port });
          throw "access-denied";
        }
        gate();
        if (this.#state !== "bound" && this.#state !== "connected") throw "invalid-state";
        if (!remoteAddress) return undefined;
        if (!isOfFamily(remoteAddress, this.#family) || !isValidRemote(remoteAddress)) throw "invalid-argument";
        const { host, port } = fromWit(remoteAddress);
        const decision = guard.decide({ op: "connect", protocol: "udp", host, port });
        const target = decision.allowed ? realTarget(decision, remoteAddress, this.#family) : undefined;
        if (!target) throw "access-denied";
        if (key(target) !== key(remoteAddress)) this.#reverse.set(key(target), remoteAddress);
        return target;
      });
      const [incoming, outgoing] = this.#inner.stream(real) as [ShimObject, ShimObject];
      this.#state = remoteAddress ? "connected" : "bound";
      this.#guestRemote = remoteAddress && real && key(real) !== key(remoteAddress) ? remoteAddress : undefined;
      return [
        new IncomingDatagramStream(incoming, this.#reverse),
        new OutgoingDatagramStream(outgoing, this.#family, this.#reverse, remoteAddress),
      ];
    }
    localAddress(): WitSocketAddress {
      gate();
      const real = this.#inner.localAddress() as WitSocketAddress;
      const guest = this.#guestLocal;
      if (!guest) return real;
      return failClosed(() => guestView(guest, real));
    }
    remoteAddress(): WitSocketAddress {
      gate();
      const real = this.#inner.remoteAddress() as WitSocketAddress;
      return this.#guestRemote ?? real;
    }
    addressFamily(): Family {
      return this.#family;
    }
    subscribe(): unknown {
      return this.#inner.subscribe();
    }
    [symbolDispose](): void {
      this.#inner[symbolDispose]?.();
    }
  }

  const udpCreateSocket = {
    createUdpSocket(addressFamily: Family): UdpSocket {
      // wasmtime's `UdpSocket::new` with udp switched off (`-S udp=n`): refused before a socket exists.
      if (!udpOn) throw "access-denied";
      return new UdpSocket(base.udpCreateSocket.createUdpSocket(addressFamily), addressFamily);
    },
  };

  return { udp: { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream }, udpCreateSocket };
}
