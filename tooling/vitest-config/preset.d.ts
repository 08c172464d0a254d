import type { UserConfig } from "vitest/config";

/** The shared vitest config: sources through the @netperm/source condition. */
export declare function preset(test?: UserConfig["test"]): UserConfig;
