import { preset } from "@netperm/vitest-config";

export default preset({
  globalSetup: ["test/global-setup.ts"],
  // Guests block the main thread during their calls; give loaded CI machines room.
  testTimeout: 60_000,
  hookTimeout: 120_000,
});
