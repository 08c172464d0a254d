/**
 * Guarded `wasi:sockets/udp`: start-bind is decided as inbound udp, a
 * connected `stream(remote)` as outbound udp connect, and every datagram
 * sent to an explicit address as outbound udp send. Mapped targets are
 * translated on the way out and back on the way in, so received datagrams
 * carry the address the guest sent to.
 */
import { fromWit, withPort, type WitSocketAddress } from "./addresses.js";
import { checkNetwork, symbolDispose, type Context, type ShimObject } from "./context.js";
import { realTarget } from "./tcp.js";

type Family = "ipv4" | "ipv6";

export interface Datagram {
  data: Uint8Array;
  remoteAddress?: WitSocketAddress | undefined;
}

function key(address: WitSocketAddress): string {
  const { host, port } = fromWit(address);
  return `${host}|${port}`;
}

export function createUdp(context: Context) {
  const { guard, base, realNetwork } = context;

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
      const got = this.#inner.receive(maxResults) as Datagram[];
      return got.map((d) => {
        const guest = d.remoteAddress ? this.#reverse.get(key(d.remoteAddress)) : undefined;
        return guest ? { data: d.data, remoteAddress: guest } : d;
      });
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
    constructor(inner: ShimObject, family: Family, reverse: Reverse) {
      this.#inner = inner;
      this.#family = family;
      this.#reverse = reverse;
    }
    checkSend(): bigint {
      return this.#inner.checkSend();
    }
    /**
     * Sends the longest allowed prefix. A denied first datagram is
     * `access-denied`; a later one ends the batch (WASI: once one datagram is
     * sent, `send` returns the count, never an error).
     */
    send(datagrams: Datagram[]): bigint {
      const out: Datagram[] = [];
      for (const datagram of datagrams) {
        if (!datagram.remoteAddress) {
          out.push(datagram); // the stream is connected: decided at `stream(remote)`.
          continue;
        }
        const { host, port } = fromWit(datagram.remoteAddress);
        const decision = guard.decide({ op: "send", protocol: "udp", host, port });
        const real = decision.allowed ? realTarget(decision, datagram.remoteAddress, this.#family) : undefined;
        if (!real) {
          if (out.length === 0) throw "access-denied";
          break;
        }
        if (key(real) !== key(datagram.remoteAddress)) this.#reverse.set(key(real), datagram.remoteAddress);
        out.push({ data: datagram.data, remoteAddress: real });
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
    #requested: WitSocketAddress | undefined;
    #guestLocal: WitSocketAddress | undefined;
    #guestRemote: WitSocketAddress | undefined;
    readonly #reverse: Reverse = new Map();

    constructor(inner: ShimObject, family: Family) {
      this.#inner = inner;
      this.#family = family;
    }

    startBind(network: unknown, localAddress: WitSocketAddress): void {
      checkNetwork(context, network);
      const { host, port } = fromWit(localAddress);
      const decision = guard.decide({ op: "bind", protocol: "udp", host, port });
      if (!decision.allowed) throw "access-denied";
      const real = realTarget(decision, localAddress, this.#family);
      if (!real) throw "access-denied";
      this.#inner.startBind(realNetwork, real);
      this.#requested = localAddress;
      this.#guestLocal = key(real) === key(localAddress) ? undefined : localAddress;
    }
    finishBind(): void {
      this.#inner.finishBind();
    }
    stream(remoteAddress: WitSocketAddress | undefined): [IncomingDatagramStream, OutgoingDatagramStream] {
      if (!this.#requested) throw "invalid-state";
      let real: WitSocketAddress | undefined;
      if (remoteAddress) {
        const { host, port } = fromWit(remoteAddress);
        const decision = guard.decide({ op: "connect", protocol: "udp", host, port });
        real = decision.allowed ? realTarget(decision, remoteAddress, this.#family) : undefined;
        if (!real) throw "access-denied";
        if (key(real) !== key(remoteAddress)) this.#reverse.set(key(real), remoteAddress);
      }
      const [incoming, outgoing] = this.#inner.stream(real) as [ShimObject, ShimObject];
      this.#guestRemote = remoteAddress && real && key(real) !== key(remoteAddress) ? remoteAddress : undefined;
      return [
        new IncomingDatagramStream(incoming, this.#reverse),
        new OutgoingDatagramStream(outgoing, this.#family, this.#reverse),
      ];
    }
    localAddress(): WitSocketAddress {
      const real = this.#inner.localAddress() as WitSocketAddress;
      if (!this.#guestLocal) return real;
      const guest = fromWit(this.#guestLocal);
      return guest.port === 0 ? real : withPort(real, guest.port);
    }
    remoteAddress(): WitSocketAddress {
      const real = this.#inner.remoteAddress() as WitSocketAddress;
      return this.#guestRemote ?? real;
    }
    addressFamily(): Family {
      return this.#family;
    }
    unicastHopLimit(): number {
      return this.#inner.unicastHopLimit();
    }
    setUnicastHopLimit(value: number): void {
      this.#inner.setUnicastHopLimit(value);
    }
    receiveBufferSize(): bigint {
      return this.#inner.receiveBufferSize();
    }
    setReceiveBufferSize(value: bigint): void {
      this.#inner.setReceiveBufferSize(value);
    }
    sendBufferSize(): bigint {
      return this.#inner.sendBufferSize();
    }
    setSendBufferSize(value: bigint): void {
      this.#inner.setSendBufferSize(value);
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
      return new UdpSocket(base.udpCreateSocket.createUdpSocket(addressFamily), addressFamily);
    },
  };

  return { udp: { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream }, udpCreateSocket };
}
