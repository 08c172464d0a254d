/**
 * @netperm/wasi: run WebAssembly components under a netperm policy. A guarded
 * `wasi:sockets` (and `wasi:http/outgoing-handler`) for the jco preview2
 * host, one policy per instance.
 */
export { fromWit, ipText, toWit, type HostPort, type WitIpAddress, type WitSocketAddress } from "./addresses.js";
export { GuestExit, WasiHostError, type WasiHostErrorCode } from "./errors.js";
export { Guard, type GuardOptions, type WasiFrontEnd } from "./guard.js";
export { createHost, instantiateFile, runCommand, type Host, type HostOptions, type Instance, type RunOptions } from "./host.js";
export { guardedHttp, splitAuthority } from "./http.js";
export { guardedSockets, type GuardedSockets } from "./sockets.js";
export { checkComponent, defaultCacheDir, transpileComponent, type Transpiled } from "./transpile.js";
