/**
 * SOCKS5 UDP ASSOCIATE (RFC 1928 §7). The proxy opens a relay socket for the
 * client and a separate outbound socket per family. Each datagram is decided
 * as `send udp HOST:PORT` (first datagram to a destination decides; the
 * decision is cached for the association and audited once). Replies are
 * relayed back only from endpoints the client was allowed to send to, and
 * only datagrams from the client's own address are accepted.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram";
import { isIP, type Socket } from "node:net";
import { hostPort } from "@netperm/core";
import type { Pending } from "./audit.js";
import type { Endpoint, GateResult } from "./gate.js";
import { decided, finish, type ProxyContext } from "./limits.js";
import type { SocketReader } from "./reader.js";
import { encodeReply, encodeUdpDatagram, parseUdpDatagram, REP, type SocksAddress } from "./socks5-codec.js";

/** Distinct destinations one association may decide; datagrams to more are dropped. */
const MAX_DESTINATIONS = 1024;

interface Route {
  readonly result: GateResult;
  readonly entry: Pending;
}

function bindUdp(type: "udp4" | "udp6", host: string | undefined): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket(type);
    s.once("error", reject);
    s.bind(0, host, () => {
      s.off("error", reject);
      resolve(s);
    });
  });
}

export async function socks5UdpAssociate(socket: Socket, reader: SocketReader, ctx: ProxyContext, requested: SocksAddress): Promise<void> {
  const local = socket.localAddress ?? "127.0.0.1";
  // A Unix-socket client (exec's namespace relay) has no address: its datagrams come from a bridge on loopback.
  const clientIp = socket.remoteAddress ?? "127.0.0.1";
  let clientPort = requested.kind !== "domain" && requested.port !== 0 ? requested.port : 0;
  let relaySock: UdpSocket;
  try {
    relaySock = await bindUdp(isIP(local) === 6 ? "udp6" : "udp4", local);
  } catch {
    socket.end(encodeReply(REP.generalFailure));
    return;
  }
  const outbound = new Map<"udp4" | "udp6", Promise<UdpSocket>>();
  const routes = new Map<string, Promise<Route>>();
  /** connected `ip:port` -> the address the client knows it by. */
  const peers = new Map<string, Endpoint>();
  const stats = new Map<Pending, { up: number; down: number }>();
  const untrack = ctx.track(() => socket.destroy());
  let idle: NodeJS.Timeout | undefined;
  const touch = (): void => {
    if (ctx.limits.idleTimeoutMs === 0) return;
    if (idle !== undefined) clearTimeout(idle);
    idle = setTimeout(() => socket.destroy(), ctx.limits.idleTimeoutMs);
  };
  touch();

  const outboundFor = (type: "udp4" | "udp6"): Promise<UdpSocket> => {
    let s = outbound.get(type);
    if (s === undefined) {
      s = bindUdp(type, undefined).then((sock) => {
        sock.on("message", (msg: Buffer, rinfo: RemoteInfo) => {
          const key = hostPort(rinfo.address, rinfo.port);
          const peer = peers.get(key);
          if (peer === undefined || clientPort === 0) return;
          touch();
          const entry = entryFor.get(key);
          if (entry !== undefined) stats.get(entry)!.down += msg.length;
          relaySock.send(encodeUdpDatagram(peer.host, peer.port, msg), clientPort, clientIp);
        });
        return sock;
      });
      outbound.set(type, s);
    }
    return s;
  };
  const entryFor = new Map<string, Pending>();

  relaySock.on("message", (msg: Buffer, rinfo: RemoteInfo) => {
    if (rinfo.address !== clientIp) return;
    if (clientPort === 0) clientPort = rinfo.port;
    if (rinfo.port !== clientPort) return;
    const dgram = parseUdpDatagram(msg);
    if (dgram === undefined || dgram.frag !== 0) return;
    touch();
    void forward(dgram.address, dgram.data);
  });
  relaySock.on("error", () => socket.destroy());

  const forward = async (to: SocksAddress, data: Buffer): Promise<void> => {
    const key = `${to.kind}:${to.host}:${to.port}`;
    let route = routes.get(key);
    if (route === undefined) {
      if (routes.size >= MAX_DESTINATIONS) return;
      route = ctx.gate.check({ op: "send", protocol: "udp", host: to.host, port: to.port }).then((result) => {
        const entry = decided(ctx, socket, "udp", hostPort(to.host, to.port), result.decision);
        if (!result.allowed) {
          if (result.kind === "unresolved") entry.error = result.decision.message ?? "not-resolved";
          finish(ctx, entry);
        } else {
          const endpoint = result.endpoints[0]!;
          const key = hostPort(endpoint.host, endpoint.port);
          entry.remote = key;
          peers.set(key, { host: to.host, port: to.port });
          entryFor.set(key, entry);
          stats.set(entry, { up: 0, down: 0 });
        }
        return { result, entry };
      });
      routes.set(key, route);
    }
    const { result, entry } = await route;
    if (!result.allowed || socket.destroyed) return;
    const endpoint = result.endpoints[0]!;
    const out = await outboundFor(isIP(endpoint.host) === 6 ? "udp6" : "udp4");
    stats.get(entry)!.up += data.length;
    out.send(data, endpoint.port, endpoint.host);
  };

  socket.write(encodeReply(REP.succeeded, local, relaySock.address().port));
  // The association lives as long as its TCP connection (RFC 1928 §7).
  reader.detach();
  socket.resume();
  socket.on("data", () => undefined);
  socket.on("end", () => socket.end());
  socket.on("error", () => socket.destroy());
  await new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
  if (idle !== undefined) clearTimeout(idle);
  untrack();
  relaySock.close();
  for (const s of outbound.values()) void s.then((sock) => sock.close(), () => undefined);
  for (const route of routes.values()) {
    const { entry } = await route;
    const st = stats.get(entry);
    if (st !== undefined) {
      entry.bytesUp = st.up;
      entry.bytesDown = st.down;
    }
    finish(ctx, entry);
  }
}
