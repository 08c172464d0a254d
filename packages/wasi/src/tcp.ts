/**
 * Guarded `wasi:sockets/tcp`: a `TcpSocket` class per instance that wraps
 * the shim's genuine socket. start-bind, start-listen and accept are decided
 * as inbound tcp, start-connect as outbound tcp; a denial throws the WASI
 * error `access-denied` before the shim (and so the OS) sees anything.
 * Mappings are applied on the way in; `local-address` / `remote-address`
 * report the guest's own view.
 */
import type { Decision } from "@netperm/core";
import { fromWit, toWit, withPort, type WitSocketAddress } from "./addresses.js";
import { checkNetwork, symbolDispose, type Context, type ShimObject } from "./context.js";

type Family = "ipv4" | "ipv6";

/** The real target of an allowed decision on `guest` (the mapped one, if any). */
export function realTarget(decision: Decision, guest: WitSocketAddress, family: Family): WitSocketAddress | undefined {
  if (!decision.mapped || (decision.mapped.host === undefined && decision.mapped.port === undefined)) return guest;
  const g = fromWit(guest);
  return toWit({ host: decision.mapped.host ?? g.host, port: decision.mapped.port ?? g.port }, family);
}

function sameAddress(a: WitSocketAddress, b: WitSocketAddress): boolean {
  const x = fromWit(a);
  const y = fromWit(b);
  return x.host === y.host && x.port === y.port;
}

export function createTcp(context: Context) {
  const { guard, base, realNetwork } = context;

  class TcpSocket {
    readonly #inner: ShimObject;
    readonly #family: Family;
    /** What the guest bound to, when the real bind was mapped elsewhere. */
    #guestLocal: WitSocketAddress | undefined;
    /** What the guest asked to bind (listen and accept are decided on it). */
    #requested: WitSocketAddress | undefined;
    /** What the guest connected to, when the real connect was mapped elsewhere. */
    #guestRemote: WitSocketAddress | undefined;

    constructor(inner: ShimObject, family: Family, guestLocal?: WitSocketAddress) {
      this.#inner = inner;
      this.#family = family;
      this.#guestLocal = guestLocal;
    }

    #decideBind(local: WitSocketAddress): Decision {
      const { host, port } = fromWit(local);
      return guard.decide({ op: "bind", protocol: "tcp", host, port });
    }

    startBind(network: unknown, localAddress: WitSocketAddress): void {
      checkNetwork(context, network);
      const decision = this.#decideBind(localAddress);
      if (!decision.allowed) throw "access-denied";
      const real = realTarget(decision, localAddress, this.#family);
      if (!real) throw "access-denied";
      this.#inner.startBind(realNetwork, real);
      this.#requested = localAddress;
      this.#guestLocal = sameAddress(real, localAddress) ? undefined : localAddress;
    }
    finishBind(): void {
      this.#inner.finishBind();
    }
    startConnect(network: unknown, remoteAddress: WitSocketAddress): void {
      checkNetwork(context, network);
      const { host, port } = fromWit(remoteAddress);
      const decision = guard.decide({ op: "connect", protocol: "tcp", host, port });
      if (!decision.allowed) throw "access-denied";
      const real = realTarget(decision, remoteAddress, this.#family);
      if (!real) throw "access-denied";
      this.#inner.startConnect(realNetwork, real);
      this.#guestRemote = sameAddress(real, remoteAddress) ? undefined : remoteAddress;
    }
    finishConnect(): [unknown, unknown] {
      return this.#inner.finishConnect();
    }
    /** Listening is checked against the inbound rules for the address the guest bound. */
    startListen(): void {
      if (!this.#requested) throw "invalid-state";
      const decision = this.#decideBind(this.#requested);
      if (!decision.allowed) throw "access-denied";
      this.#inner.startListen();
    }
    finishListen(): void {
      this.#inner.finishListen();
    }
    accept(): [TcpSocket, unknown, unknown] {
      if (!this.#requested) throw "invalid-state";
      const decision = this.#decideBind(this.#requested);
      if (!decision.allowed) throw "access-denied";
      const [socket, input, output] = this.#inner.accept() as [ShimObject, unknown, unknown];
      const guestLocal = this.#guestLocal ? withPort(socket.localAddress(), fromWit(this.#guestLocal).port) : undefined;
      return [new TcpSocket(socket, this.#family, guestLocal), input, output];
    }
    localAddress(): WitSocketAddress {
      const real = this.#inner.localAddress() as WitSocketAddress;
      if (!this.#guestLocal) return real;
      const guest = fromWit(this.#guestLocal);
      // Bound with a mapping: the guest sees the port it asked for (or the real one for port 0).
      return guest.port === 0 ? real : withPort(real, guest.port);
    }
    remoteAddress(): WitSocketAddress {
      const real = this.#inner.remoteAddress() as WitSocketAddress;
      return this.#guestRemote ?? real;
    }
    isListening(): boolean {
      return this.#inner.isListening();
    }
    addressFamily(): Family {
      return this.#family;
    }
    setListenBacklogSize(value: bigint): void {
      this.#inner.setListenBacklogSize(value);
    }
    keepAliveEnabled(): boolean {
      return this.#inner.keepAliveEnabled();
    }
    setKeepAliveEnabled(value: boolean): void {
      this.#inner.setKeepAliveEnabled(value);
    }
    keepAliveIdleTime(): bigint {
      return this.#inner.keepAliveIdleTime();
    }
    setKeepAliveIdleTime(value: bigint): void {
      this.#inner.setKeepAliveIdleTime(value);
    }
    keepAliveInterval(): bigint {
      return this.#inner.keepAliveInterval();
    }
    setKeepAliveInterval(value: bigint): void {
      this.#inner.setKeepAliveInterval(value);
    }
    keepAliveCount(): number {
      return this.#inner.keepAliveCount();
    }
    setKeepAliveCount(value: number): void {
      this.#inner.setKeepAliveCount(value);
    }
    hopLimit(): number {
      return this.#inner.hopLimit();
    }
    setHopLimit(value: number): void {
      this.#inner.setHopLimit(value);
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
    shutdown(shutdownType: string): void {
      this.#inner.shutdown(shutdownType);
    }
    [symbolDispose](): void {
      this.#inner[symbolDispose]?.();
    }
  }

  const tcpCreateSocket = {
    createTcpSocket(addressFamily: Family): TcpSocket {
      const inner = base.tcpCreateSocket.createTcpSocket(addressFamily);
      return new TcpSocket(inner, addressFamily);
    },
  };

  return { tcp: { TcpSocket }, tcpCreateSocket };
}
