import { preset } from "@netperm/vitest-config";

export default preset();
