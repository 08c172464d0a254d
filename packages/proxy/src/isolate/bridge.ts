/**
 * netperm's end of the namespace's way out: two Unix-socket servers in the
 * private directory. `tcp.sock` hands every connection to the proxy, which
 * serves it exactly as one accepted on its port, its audit `client` named
 * from the relay's header (`netns:<pid>/127.0.0.1:<port>`). `udp.sock` carries one
 * SOCKS5 UDP association each: a 2-byte header names the proxy's UDP relay
 * port, then length-framed datagrams go to it from a UDP socket on loopback,
 * and its answers come back framed.
 */
import { createSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import type { Proxy } from "../proxy.js";
import { FILES, frame, FrameReader, readHeader, readPortHeader, relayedClient } from "./wire.js";

export interface Bridge {
  close(): Promise<void>;
}

function listenUnix(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ path }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function udpChannel(stream: Socket): void {
  stream.on("error", () => undefined);
  void readPortHeader(stream).then((port) => {
    if (port === undefined || port === 0) return void stream.destroy();
    const udp = createSocket("udp4");
    udp.on("error", () => stream.destroy());
    udp.bind(0, "127.0.0.1", () => {
      udp.on("message", (msg, rinfo) => {
        if (rinfo.address === "127.0.0.1" && rinfo.port === port) stream.write(frame(msg));
      });
      const frames = new FrameReader((datagram) => udp.send(datagram, port, "127.0.0.1"));
      stream.on("data", (chunk: Buffer) => frames.push(chunk));
      stream.resume();
    });
    stream.once("close", () => {
      try {
        udp.close();
      } catch {
        // already closed
      }
    });
  });
}

/** Starts both servers in `dir` for `proxy`. */
export async function startBridge(dir: string, proxy: Proxy): Promise<Bridge> {
  const streams = new Set<Socket>();
  const track = (s: Socket): void => {
    streams.add(s);
    s.once("close", () => streams.delete(s));
  };
  const tcp = createServer({ allowHalfOpen: true }, (socket) => {
    track(socket);
    socket.on("error", () => undefined);
    void readHeader(socket, 6).then((header) => {
      if (header === undefined) return void socket.destroy();
      proxy.accept(socket, { client: relayedClient(header) });
      socket.resume(); // the proxy's reader listens now; readHeader left the socket paused
    });
  });
  const udp = createServer((stream) => {
    track(stream);
    udpChannel(stream);
  });
  await listenUnix(tcp, join(dir, FILES.tcp));
  await listenUnix(udp, join(dir, FILES.udp));
  return {
    close: async () => {
      for (const s of streams) s.destroy();
      await Promise.all([tcp, udp].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}
