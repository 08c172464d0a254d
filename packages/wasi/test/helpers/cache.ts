import { resolve } from "node:path";

/** Where the tests keep transpiled components (gitignored). */
export const transpileCache: string = resolve(import.meta.dirname, "../../.cache/transpiled");
