// The filesystem ops of the test guests: wasi:filesystem through the
// preopened directories only, by guest path.
import { getDirectories } from "wasi:filesystem/preopens@0.2.12";
import { decode, encode, errorCode } from "./io.js";

/** {} -> the guest paths of the preopened directories, in order. */
export function preopens() {
  return { ok: true, dirs: getDirectories().map(([, path]) => path) };
}

/** The preopen whose guest path is the longest prefix of `path`, and the rest of the path. */
function locate(path) {
  let best;
  for (const [descriptor, dir] of getDirectories()) {
    const base = dir.endsWith("/") ? dir : dir + "/";
    if (!path.startsWith(base) || (best && best.dir.length >= dir.length)) continue;
    best = { descriptor, dir, rest: path.slice(base.length) };
  }
  if (!best) throw "no-preopen";
  return best;
}

/** { path } -> the file's text, read with descriptor.read. */
export function readFile(req) {
  let stage = "preopen";
  try {
    const { descriptor, rest } = locate(req.path);
    stage = "open";
    const file = descriptor.openAt({ symlinkFollow: true }, rest, {}, { read: true });
    stage = "read";
    const bytes = [];
    // componentize-qjs passes u64 (filesize) as a JS number.
    for (let offset = 0; ; ) {
      const [chunk, eof] = file.read(4096, offset);
      for (const b of chunk) bytes.push(b);
      offset += chunk.length;
      if (eof || chunk.length === 0) break;
    }
    return { ok: true, text: decode(bytes) };
  } catch (e) {
    return { ok: false, stage, error: errorCode(e) };
  }
}

/** { path, text } -> creates or truncates the file and writes the text. */
export function writeFile(req) {
  let stage = "preopen";
  try {
    const { descriptor, rest } = locate(req.path);
    stage = "open";
    const file = descriptor.openAt({ symlinkFollow: true }, rest, { create: true, truncate: true }, { write: true });
    stage = "write";
    const bytes = encode(req.text);
    let offset = 0;
    while (offset < bytes.length) offset += Number(file.write(bytes.slice(offset), offset));
    return { ok: true, written: offset };
  } catch (e) {
    return { ok: false, stage, error: errorCode(e) };
  }
}
