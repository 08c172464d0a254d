/**
 * Moving one HTTP message body from a reader to a socket, delimited by its
 * framing: a Content-Length, chunked coding (parsed to find the end, then
 * forwarded byte for byte, trailers included), or the end of the stream.
 * Bytes past the body are put back for the next message (keep-alive).
 */
import type { Socket } from "node:net";
import type { Framing } from "./http-head.js";
import { writeAll, type SocketReader } from "./reader.js";

export type BodyResult = "done" | "eof" | "malformed" | "closed";

const MAX_CHUNK_LINE = 4096;

/** Reads one line ending in CRLF (returned with it), at most `max` bytes. */
async function readLine(reader: SocketReader, max: number): Promise<Buffer | "eof" | "malformed"> {
  let buf: Buffer | undefined;
  for (;;) {
    const chunk = await reader.read();
    if (chunk === null) return "eof";
    const from = buf === undefined ? 0 : buf.length;
    buf = buf === undefined ? chunk : Buffer.concat([buf, chunk]);
    const lf = buf.indexOf(0x0a, from);
    if (lf >= 0) {
      if (lf === 0 || buf[lf - 1] !== 0x0d || lf + 1 > max) return "malformed";
      reader.unshift(buf.subarray(lf + 1));
      return buf.subarray(0, lf + 1);
    }
    if (buf.length > max) return "malformed";
  }
}

/** Forwards exactly `n` bytes. */
async function copyBytes(reader: SocketReader, out: Socket, n: number): Promise<BodyResult> {
  let left = n;
  while (left > 0) {
    const chunk = await reader.read();
    if (chunk === null) return "eof";
    let piece = chunk;
    if (chunk.length > left) {
      piece = chunk.subarray(0, left);
      reader.unshift(chunk.subarray(left));
    }
    left -= piece.length;
    if (!(await writeAll(out, piece))) return "closed";
  }
  return "done";
}

/**
 * Forwards one body. `done`: the whole body went out; `eof`: the sender
 * stopped early; `malformed`: bad chunked coding; `closed`: the receiver went away.
 */
export async function pumpBody(reader: SocketReader, out: Socket, framing: Framing, maxTrailerBytes: number): Promise<BodyResult> {
  switch (framing.kind) {
    case "none":
      return "done";
    case "length":
      return copyBytes(reader, out, framing.length);
    case "close": {
      for (;;) {
        const chunk = await reader.read();
        if (chunk === null) return "done";
        if (!(await writeAll(out, chunk))) return "closed";
      }
    }
    case "chunked":
      return pumpChunked(reader, out, maxTrailerBytes);
  }
}

async function pumpChunked(reader: SocketReader, out: Socket, maxTrailerBytes: number): Promise<BodyResult> {
  for (;;) {
    const line = await readLine(reader, MAX_CHUNK_LINE);
    if (typeof line === "string") return line;
    const sizeText = line.toString("latin1", 0, line.length - 2).split(";")[0]!.trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) return "malformed";
    const size = parseInt(sizeText, 16);
    if (!(await writeAll(out, line))) return "closed";
    if (size === 0) break;
    const data = await copyBytes(reader, out, size);
    if (data !== "done") return data;
    const crlf = await readLine(reader, 2);
    if (typeof crlf === "string") return crlf;
    if (crlf.length !== 2) return "malformed";
    if (!(await writeAll(out, crlf))) return "closed";
  }
  // Trailer section: header lines up to an empty line.
  let total = 0;
  for (;;) {
    const line = await readLine(reader, maxTrailerBytes);
    if (typeof line === "string") return line;
    total += line.length;
    if (total > maxTrailerBytes) return "malformed";
    if (!(await writeAll(out, line))) return "closed";
    if (line.length === 2) return "done";
  }
}
