/**
 * A raw SOCKS5 client for tests, written from RFC 1928 independently of the
 * proxy's codec: it builds the bytes by hand so a codec bug cannot cancel out.
 */
import type { Socket } from "node:net";
import { dial, readN } from "./helpers.js";

export type Atyp = "ipv4" | "ipv6" | "domain";

export function addressBytes(atyp: Atyp, host: string, port: number): Buffer {
  let addr: Buffer;
  if (atyp === "ipv4") addr = Buffer.from([1, ...host.split(".").map(Number)]);
  else if (atyp === "ipv6") {
    const groups = expand6(host);
    addr = Buffer.alloc(17);
    addr[0] = 4;
    groups.forEach((g, i) => addr.writeUInt16BE(g, 1 + i * 2));
  } else {
    const name = Buffer.from(host, "utf8");
    addr = Buffer.concat([Buffer.from([3, name.length]), name]);
  }
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  return Buffer.concat([addr, p]);
}

function expand6(host: string): number[] {
  const [head = "", tail = ""] = host.split("::");
  const h = head === "" ? [] : head.split(":").map((x) => parseInt(x, 16));
  const t = tail === "" ? [] : tail.split(":").map((x) => parseInt(x, 16));
  return host.includes("::") ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
}

export interface SocksReply {
  readonly socket: Socket;
  /** REP, or -1 when the proxy closed without a reply. */
  readonly rep: number;
  readonly bindHost: string;
  readonly bindPort: number;
}

/** Reads a SOCKS5 reply (VER REP RSV ATYP ADDR PORT). */
export async function readReply(socket: Socket): Promise<Omit<SocksReply, "socket">> {
  const head = await readN(socket, 4);
  if (head.length < 4) return { rep: -1, bindHost: "", bindPort: 0 };
  const atyp = head[3];
  let host = "";
  if (atyp === 1) host = [...(await readN(socket, 4))].join(".");
  else if (atyp === 4) {
    const b = await readN(socket, 16);
    const g: string[] = [];
    for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i).toString(16));
    host = g.join(":");
  } else if (atyp === 3) host = (await readN(socket, (await readN(socket, 1))[0] ?? 0)).toString();
  const port = (await readN(socket, 2)).readUInt16BE(0);
  return { rep: head[1]!, bindHost: host, bindPort: port };
}

/** Negotiates (no-auth, or user/pass) and sends one request; resolves the reply. */
export async function socksRequest(
  proxyPort: number,
  cmd: 1 | 2 | 3,
  atyp: Atyp,
  host: string,
  port: number,
  auth?: { user: string; pass: string },
): Promise<SocksReply> {
  const socket = await dial(proxyPort);
  socket.on("error", () => undefined);
  socket.write(Buffer.from(auth === undefined ? [5, 1, 0] : [5, 1, 2]));
  const method = await readN(socket, 2);
  if (method.length < 2 || method[1] === 0xff) return { socket, rep: -1, bindHost: "", bindPort: 0 };
  if (auth !== undefined) {
    const u = Buffer.from(auth.user);
    const p = Buffer.from(auth.pass);
    socket.write(Buffer.concat([Buffer.from([1, u.length]), u, Buffer.from([p.length]), p]));
    const status = await readN(socket, 2);
    if (status.length < 2 || status[1] !== 0) return { socket, rep: -1, bindHost: "", bindPort: 0 };
  }
  socket.write(Buffer.concat([Buffer.from([5, cmd, 0]), addressBytes(atyp, host, port)]));
  return { socket, ...(await readReply(socket)) };
}
