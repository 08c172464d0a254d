/**
 * The examples `netperm run --example NAME` runs: a component shipped in the
 * package (`dist/examples/`; in a clone, `examples/`), the grants it is
 * meant to run under and its arguments. hello-db gets two free loopback
 * ports (asked of the kernel, then released): one it serves on, one it is
 * denied, so a run never collides with a real database on 5433.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { UsageError } from "./usage-error.js";

export interface PreparedExample {
  /** The component file. */
  readonly file: string;
  /** The policy flags it runs under. */
  readonly flags: readonly string[];
  /** Its arguments (after the program name). */
  readonly args: readonly string[];
}

/** A free port on 127.0.0.1 (the kernel's pick, released before use: a small race, loopback only). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Where an example's component is: next to the built files, or in the repository's examples/. */
function componentFile(name: string): string {
  const candidates = [new URL(`./examples/${name}.wasm`, import.meta.url), new URL(`../../../examples/${name}/${name}.wasm`, import.meta.url)];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  throw new UsageError("NETPERM_USAGE", `the example ${name} is not installed with this netperm`, `looked in ${candidates.map((u) => fileURLToPath(u)).join(" and ")}`);
}

const EXAMPLES: Readonly<Record<string, () => Promise<PreparedExample>>> = {
  "hello-db": async () => {
    const listen = await freePort();
    let closed = await freePort();
    while (closed === listen) closed = await freePort();
    return {
      file: componentFile("hello-db"),
      flags: [`--allow-inbound=tcp://localhost:${listen}`, `--allow-outbound=tcp://db.internal->127.0.0.1:5432->${listen}`],
      args: [String(listen), String(closed)],
    };
  },
};

/** The names `--example` takes. */
export const EXAMPLE_NAMES: readonly string[] = Object.keys(EXAMPLES);

/**
 * Prepares the example `name`.
 * @throws UsageError NETPERM_USAGE for an unknown name or a missing component.
 */
export async function prepareExample(name: string): Promise<PreparedExample> {
  const make = Object.hasOwn(EXAMPLES, name) ? EXAMPLES[name] : undefined;
  if (make === undefined) throw new UsageError("NETPERM_USAGE", `no example named '${name}'`, `--example takes: ${EXAMPLE_NAMES.join(", ")}`);
  return make();
}
