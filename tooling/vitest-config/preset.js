// Shared vitest preset: tests run on sources through the @netperm/source
// export condition, so a test never runs on a stale dist/.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const missingPrograms = fileURLToPath(new URL("./missing-programs.js", import.meta.url));

/** @param {import("vitest/config").UserConfig["test"]} [test] */
export function preset(test = {}) {
  return defineConfig({
    resolve: { conditions: ["@netperm/source"] },
    ssr: { resolve: { conditions: ["@netperm/source"] } },
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: 20_000,
      hookTimeout: 60_000,
      ...test,
      globalSetup: [missingPrograms, ...[test.globalSetup ?? []].flat()],
    },
  });
}
