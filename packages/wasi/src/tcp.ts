/**
 * Guarded `wasi:sockets/tcp`: a `TcpSocket` class per instance that wraps
 * the shim's genuine socket. Each call runs in wasmtime's order: a protocol
 * and direction with no grant at all is `access-denied` first; then the
 * socket's state (`concurrency-conflict` while a start is unfinished, then
 * `invalid-state`) and the arguments (`invalid-argument`, see validate.ts),
 * in the order of wasmtime's `p2/host/tcp.rs` and `sockets/tcp.rs`; only
 * then the policy, where wasmtime's `socket_addr_check` sits: start-bind,
 * start-listen and accept as inbound tcp, start-connect as outbound tcp. A
 * denied bind, listen or accept throws `access-denied` before the shim (and
 * so the OS) sees anything; a denied connect is wasmtime's too: start-connect
 * succeeds without calling the shim, and finish-connect answers
 * `access-denied` (refused-connect.ts). Mappings are applied on the way in;
 * `local-address` / `remote-address` report the guest's own view.
 */
import type { Decision } from "@netperm/core";
import { fromWit, type WitSocketAddress } from "./addresses.js";
import { guestView, realTarget, sameAddress } from "./endpoints.js";
import { checkNetwork, symbolDispose, type Context, type ShimObject } from "./context.js";
import { failClosed } from "./fail-closed.js";
import { refusedOption } from "./refused-connect.js";
import { forwardOptions, TCP_OPTIONS } from "./socket-options.js";
import { isOfFamily, isUnicast, isValidRemote, unspecified, type Family } from "./validate.js";

/** The shim's states, as this wrapper sees them from the calls that succeeded. */
type State = "init" | "binding" | "bound" | "listening" | "listener" | "connecting" | "connected" | "closed";
/** wasmtime's `in_progress_operation`: any start while one of these is unfinished is `concurrency-conflict`. */
const IN_PROGRESS: ReadonlySet<State> = new Set(["binding", "listening", "connecting"]);

/** Calls `finish`; moves to `done` on success and to `failed` on an error other than would-block. */
function settle<T>(finish: () => T, onDone: () => void, onFailed: () => void): T {
  try {
    const value = finish();
    onDone();
    return value;
  } catch (error) {
    if (error !== "would-block" && error !== "not-in-progress") onFailed();
    throw error;
  }
}

export function createTcp(context: Context) {
  const { guard, base, realNetwork, grants } = context;
  const anyTcp = grants.tcpInbound || grants.tcpOutbound;
  /** Every call of a socket checks it again (failing closed), though a socket is only made with tcp on. */
  const gate = (): void => {
    if (!anyTcp) throw "access-denied";
  };

  class TcpSocket {
    readonly #inner: ShimObject;
    readonly #family: Family;
    #state: State;
    /** What the guest bound to, when the real bind was mapped elsewhere. */
    #guestLocal: WitSocketAddress | undefined;
    /** What the guest asked to bind (listen and accept are decided on it). */
    #requested: WitSocketAddress | undefined;
    /** What the guest connected to, when the real connect was mapped elsewhere. */
    #guestRemote: WitSocketAddress | undefined;
    /** The policy refused this socket's connect (the shim's socket is still new): "connecting" until finish-connect, then "closed". */
    #refused = false;

    static {
      forwardOptions(TcpSocket.prototype, TCP_OPTIONS, (socket: TcpSocket) => socket.#inner, (socket, name, args) => {
        gate();
        if (socket.#refused) refusedOption(socket.#state === "connecting", name, args[0]);
      });
    }

    constructor(inner: ShimObject, family: Family, state: State = "init", guestLocal?: WitSocketAddress) {
      this.#inner = inner;
      this.#family = family;
      this.#state = state;
      this.#guestLocal = guestLocal;
    }

    #decideBind(local: WitSocketAddress): Decision {
      const { host, port } = fromWit(local);
      return guard.decide({ op: "bind", protocol: "tcp", host, port });
    }

    /** No inbound grant: audit the bind it would have been and refuse. */
    #inboundOff(): void {
      if (grants.tcpInbound) return;
      this.#decideBind(this.#requested ?? unspecified(this.#family));
      throw "access-denied";
    }

    #checkState(allowed: readonly State[]): void {
      if (IN_PROGRESS.has(this.#state)) throw "concurrency-conflict";
      if (!allowed.includes(this.#state)) throw "invalid-state";
    }

    startBind(network: unknown, localAddress: WitSocketAddress): void {
      checkNetwork(context, network);
      const real = failClosed(() => {
        if (!grants.tcpInbound) {
          this.#decideBind(localAddress);
          throw "access-denied";
        }
        this.#checkState(["init"]);
        if (!isUnicast(localAddress) || !isOfFamily(localAddress, this.#family)) throw "invalid-argument";
        const decision = this.#decideBind(localAddress);
        const target = decision.allowed ? realTarget(decision, localAddress, this.#family) : undefined;
        if (!target) throw "access-denied";
        return target;
      });
      this.#inner.startBind(realNetwork, real);
      this.#state = "binding";
      this.#requested = localAddress;
      this.#guestLocal = sameAddress(real, localAddress) ? undefined : localAddress;
    }
    finishBind(): void {
      if (!grants.tcpInbound) throw "access-denied";
      if (this.#refused) throw "not-in-progress";
      settle(() => this.#inner.finishBind(), () => (this.#state = "bound"), () => (this.#state = "init"));
    }
    startConnect(network: unknown, remoteAddress: WitSocketAddress): void {
      checkNetwork(context, network);
      const real = failClosed(() => {
        const { host, port } = fromWit(remoteAddress);
        if (!grants.tcpOutbound) {
          guard.decide({ op: "connect", protocol: "tcp", host, port });
          throw "access-denied";
        }
        this.#checkState(["init", "bound"]);
        if (!isUnicast(remoteAddress) || !isValidRemote(remoteAddress) || !isOfFamily(remoteAddress, this.#family)) throw "invalid-argument";
        const decision = guard.decide({ op: "connect", protocol: "tcp", host, port });
        return decision.allowed ? realTarget(decision, remoteAddress, this.#family) : undefined;
      });
      if (!real) {
        // wasmtime's connect future fails with access-denied: finish-connect tells the guest.
        this.#state = "connecting";
        this.#refused = true;
        return;
      }
      this.#inner.startConnect(realNetwork, real);
      this.#state = "connecting";
      this.#guestRemote = sameAddress(real, remoteAddress) ? undefined : remoteAddress;
    }
    finishConnect(): [unknown, unknown] {
      if (!grants.tcpOutbound) throw "access-denied";
      if (this.#refused && this.#state === "connecting") {
        this.#state = "closed";
        throw "access-denied";
      }
      if (this.#refused) throw "not-in-progress";
      return settle(() => this.#inner.finishConnect(), () => (this.#state = "connected"), () => (this.#state = "closed"));
    }
    /** Listening is checked against the inbound rules for the address the guest bound. */
    startListen(): void {
      failClosed(() => {
        this.#inboundOff();
        this.#checkState(["bound"]);
        if (!this.#requested || !this.#decideBind(this.#requested).allowed) throw "access-denied";
      });
      this.#inner.startListen();
      this.#state = "listening";
    }
    finishListen(): void {
      if (!grants.tcpInbound) throw "access-denied";
      if (this.#refused) throw "not-in-progress";
      settle(() => this.#inner.finishListen(), () => (this.#state = "listener"), () => (this.#state = "closed"));
    }
    accept(): [TcpSocket, unknown, unknown] {
      failClosed(() => {
        if (!grants.tcpInbound) throw "access-denied";
        if (this.#state !== "listener") throw "invalid-state";
        if (!this.#requested || !this.#decideBind(this.#requested).allowed) throw "access-denied";
      });
      const [socket, input, output] = this.#inner.accept() as [ShimObject, unknown, unknown];
      const guestLocal = failClosed(() => (this.#guestLocal ? guestView(this.#guestLocal, socket.localAddress() as WitSocketAddress) : undefined));
      return [new TcpSocket(socket, this.#family, "connected", guestLocal), input, output];
    }
    localAddress(): WitSocketAddress {
      gate();
      if (this.#refused) refusedOption(this.#state === "connecting", "localAddress", undefined);
      const real = this.#inner.localAddress() as WitSocketAddress;
      if (!this.#guestLocal) return real;
      const guest = this.#guestLocal;
      // Bound with a mapping: the guest sees the port it asked for (or the real one for port 0).
      return failClosed(() => guestView(guest, real));
    }
    remoteAddress(): WitSocketAddress {
      gate();
      if (this.#refused) refusedOption(this.#state === "connecting", "remoteAddress", undefined);
      const real = this.#inner.remoteAddress() as WitSocketAddress;
      return this.#guestRemote ?? real;
    }
    isListening(): boolean {
      return this.#inner.isListening();
    }
    addressFamily(): Family {
      return this.#family;
    }
    subscribe(): unknown {
      // A refused socket's shim socket is new, and a new socket's pollable is ready: as wasmtime's failed connect future.
      return this.#inner.subscribe();
    }
    shutdown(shutdownType: string): void {
      gate();
      // wasmtime: a socket without streams has nothing to shut down.
      if (this.#refused) throw "invalid-state";
      this.#inner.shutdown(shutdownType);
    }
    [symbolDispose](): void {
      this.#inner[symbolDispose]?.();
    }
  }

  const tcpCreateSocket = {
    createTcpSocket(addressFamily: Family): TcpSocket {
      // wasmtime's `TcpSocket::new` with tcp switched off (`-S tcp=n`): refused before a socket exists.
      // No audit record: there is no address to decide yet.
      if (!anyTcp) throw "access-denied";
      const inner = base.tcpCreateSocket.createTcpSocket(addressFamily);
      return new TcpSocket(inner, addressFamily);
    },
  };

  return { tcp: { TcpSocket }, tcpCreateSocket };
}
