/**
 * What crosses between netperm (host namespace) and its supervisor inside the
 * program's network namespace. Nothing but Node built-ins: the supervisor
 * loads this file too, and must start fast.
 *
 * - Three Unix sockets in a private directory (mode 0700): `tcp.sock` (each
 *   relayed connection: a 6-byte client header, the supervisor's host pid
 *   and the program's port inside, then the program's bytes, served by the
 *   proxy as if accepted on its port),
 *   `udp.sock` (one stream per SOCKS5 UDP association: a 2-byte port header,
 *   then length-framed datagrams) and `in.sock` (the supervisor listens:
 *   each published inbound connection, a 2-byte port header then the bytes).
 * - A control pipe on the supervisor's fd 3: JSON lines, see `Control` (the
 *   supervisor's reports) and `Order` (netperm's requests).
 * - `config.json` in the same directory: everything the supervisor needs.
 */

/** Socket and file names inside the private directory. */
export const FILES = { tcp: "tcp.sock", udp: "udp.sock", inbound: "in.sock", config: "config.json" } as const;

/** The largest datagram a frame carries (the UDP payload limit). */
export const MAX_DATAGRAM = 65_535;

/** What the supervisor reads from `config.json`. */
export interface SupervisorConfig {
  readonly dir: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The program's environment, before the proxy variables are added. */
  readonly env: Readonly<Record<string, string>>;
  /** Bring `lo` up with `ip link set lo up` (unshare; bubblewrap does it itself). */
  readonly loUp: boolean;
  /** Run the program through a nested user namespace mapping it back to this uid/gid. */
  readonly mapUser?: { readonly uid: number; readonly gid: number };
}

/** Supervisor -> netperm, one JSON object a line on fd 3. */
export type Control =
  | { readonly kind: "ready"; readonly pid: number; readonly relayPort: number }
  | { readonly kind: "exit"; readonly code: number | null; readonly signal: string | null }
  | { readonly kind: "error"; readonly message: string; readonly code: number };

/** netperm -> supervisor on the same pipe: deliver `signal` to the program (always, even one a terminal could have sent). */
export type Order = { readonly kind: "signal"; readonly signal: string };

/** A 2-byte big-endian port header. */
export function portHeader(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(port);
  return b;
}

/** The 6-byte header of a relayed connection: the supervisor's host pid (u32) and the client's port inside (u16), big-endian. */
export function clientHeader(pid: number, port: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt32BE(pid);
  b.writeUInt16BE(port, 4);
  return b;
}

/**
 * The audit's name for a relayed connection's client: the namespace (by the
 * host pid of its first process, so `nsenter -t PID -n` enters it) and the
 * program's address in it.
 */
export function relayedClient(header: Buffer): string {
  return `netns:${header.readUInt32BE(0)}/127.0.0.1:${header.readUInt16BE(4)}`;
}

/** One datagram as a frame: 2-byte big-endian length, then the bytes. */
export function frame(datagram: Buffer): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(datagram.length);
  return Buffer.concat([head, datagram]);
}

/**
 * Splits a byte stream into frames (and an optional leading 2-byte header).
 * Feed it chunks; it calls `onFrame` for each whole datagram.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (datagram: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 2) {
      const n = this.pending.readUInt16BE(0);
      if (this.pending.length < 2 + n) break;
      const datagram = this.pending.subarray(2, 2 + n);
      this.pending = this.pending.subarray(2 + n);
      this.onFrame(datagram);
    }
  }
}

type HeaderStream = NodeJS.ReadableStream & { unshift(chunk: Buffer): void };

/** Reads a 2-byte port header off a fresh stream (see `readHeader`). */
export async function readPortHeader(stream: HeaderStream): Promise<number | undefined> {
  return (await readHeader(stream, 2))?.readUInt16BE(0);
}

/**
 * Reads exactly `size` header bytes off a fresh stream, then hands the rest
 * on (paused). Resolves undefined when the stream ends first.
 */
export function readHeader(stream: HeaderStream, size: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      if (got.length < size) return;
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.pause();
      if (got.length > size) stream.unshift(got.subarray(size));
      resolve(got.subarray(0, size));
    };
    const onEnd = (): void => {
      stream.off("data", onData);
      resolve(undefined);
    };
    stream.on("data", onData);
    stream.once("end", onEnd);
  });
}
