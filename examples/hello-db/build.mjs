// Builds hello-db.wasm from hello-db.js with componentize-qjs (the QuickJS
// backend of `jco componentize`), using the WASI 0.2.12 WIT that jco ships.
// Run from the repository: node examples/hello-db/build.mjs
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const here = import.meta.dirname;
const require = createRequire(join(here, "../../packages/wasi/package.json"));
const { componentize } = require("componentize-qjs");
const builtin = join(dirname(dirname(require.resolve("@bytecodealliance/jco"))), "lib/wit/builtin/0.2.12");

const wit = await mkdtemp(join(tmpdir(), "hello-db-wit-"));
try {
  await writeFile(join(wit, "world.wit"), await readFile(join(here, "world.wit")));
  await (await import("node:fs/promises")).mkdir(join(wit, "deps"));
  for (const pkg of await readdir(builtin)) await symlink(join(builtin, pkg), join(wit, "deps", pkg));
  const jsPath = join(here, "hello-db.js");
  const { component } = await componentize({ witPath: wit, jsSource: await readFile(jsPath, "utf8"), jsPath, world: "hello-db", sync: true });
  await writeFile(join(here, "hello-db.wasm"), component);
  console.log(`wrote hello-db.wasm (${component.length} bytes)`);
} finally {
  await rm(wit, { recursive: true, force: true });
}
