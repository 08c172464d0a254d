/**
 * Random scripts for the netops guest's `script` op (one wasi:sockets call
 * per step, see test/guests/src/script.js), for the differential tests
 * against the stock host. Loopback only: every address a step can carry is
 * in the pools below. Targets (connect, stream, send) are loopback, the
 * unspecified address, port 0 or the other family, which both hosts refuse
 * or deliver on this machine; multicast, broadcast and IPv4-compatible
 * addresses only appear where nothing is sent (bind). `stockSafe` checks
 * that again for every script before the stock host runs it.
 */
import fc from "fast-check";
import type { Step } from "./wasmtime-programs.js";

/** What a bind may ask for. The last five are invalid binds (never transmit). */
export const BIND_ADDRESSES = [
  "127.0.0.1:0", "[::1]:0", "0.0.0.0:0", "[::]:0", "127.0.0.2:0",
  "224.0.0.1:0", "255.255.255.255:0", "[ff00::1]:0", "[::ffff:7f00:1]:0", "[::ffff:0:0]:0",
] as const;

/** Explicit targets: a closed loopback port, the unspecified address, port 0, the mapped loopback. */
export const TARGET_ADDRESSES = ["127.0.0.1:9", "[::1]:9", "0.0.0.0:9", "[::]:9", "127.0.0.1:0", "[::1]:0", "[::ffff:7f00:1]:9"] as const;

/**
 * Where the stock shim and wasmtime differ (README, host notes); wasmtime is
 * the reference. The stock host gets another address with the same
 * wasmtime answer that the stock shim already refuses (`invalid-argument`,
 * after the same state checks), so both runs stay in step:
 * - the shim's multicast check is 224.x and ff00:: only: 239.x and ff0e::
 *   reach the OS there (bind only here: nothing is sent). A udp bind has no
 *   unicast check in either host, so the substitute must bind alike there:
 *   ff02:: (which Linux refuses without a scope) is left to the
 *   wasmtime-programs test and the guest-input fuzz;
 * - the shim does not refuse IPv4-compatible IPv6 (`::7f00:1`).
 */
export const KNOWN_BIND_DIFFERENCES: Readonly<Record<string, string>> = {
  "239.1.2.3:0": "224.0.0.1:0",
  "[ff0e::1]:0": "[ff00::1]:0",
  "[::7f00:1]:0": "[::ffff:7f00:1]:0",
};

/**
 * The stock shim hands a datagram's address (`send`) and a udp stream's
 * remote (`stream`) to the OS without checking the family or IPv4-mapped
 * IPv6 (send: nor the unspecified address or port 0); wasmtime refuses them
 * with `invalid-argument`. Where the two lines of such a step differ, the
 * guarded line must be `err:invalid-argument`; the comparison then stops for
 * that socket (the stock one may have sent or failed in the OS).
 */
export const UNCHECKED_BY_STOCK: ReadonlySet<string> = new Set(["send", "stream"]);

/** Names a lookup may ask for: none leaves the machine (localhost, IP literals in several spellings, invalid names). */
export const NAMES = ["localhost", "127.0.0.1", "::1", "0.0.0.0", "::", "[::1]", "127.1", "0x7f.0.0.1", "2130706433", "", " ", "a b", "127.0.0.1:80", "[::1]:80"] as const;

// 0-4 are the exchange's sockets when a script starts with one; 5 and 6 are then new ones.
const socket = fc.integer({ min: 0, max: 6 });
const family = fc.constantFrom("ipv4", "ipv6");
const local = fc.record({ local: socket }).map((r) => r as unknown);
const localPort0 = socket.map((k) => ({ local: k, port: 0 }) as unknown);
const bindAddr = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...BIND_ADDRESSES, ...Object.keys(KNOWN_BIND_DIFFERENCES)) as fc.Arbitrary<unknown> },
  { weight: 2, arbitrary: local },
);
const targetAddr = fc.oneof({ weight: 4, arbitrary: local }, { weight: 1, arbitrary: localPort0 }, { weight: 3, arbitrary: fc.constantFrom(...TARGET_ADDRESSES) as fc.Arbitrary<unknown> });
const word = fc.constantFrom("a", "hello", "ping");

const TCP_OPTIONS = [
  ["setListenBacklogSize", 0], ["setListenBacklogSize", 16], ["setKeepAliveEnabled", true], ["setKeepAliveIdleTime", 0],
  ["setKeepAliveIdleTime", 2e9], ["setKeepAliveInterval", 0], ["setKeepAliveCount", 0], ["setKeepAliveCount", 3],
  ["setHopLimit", 0], ["setHopLimit", 64], ["setReceiveBufferSize", 0], ["setSendBufferSize", 8192],
  ["setUnicastHopLimit", 0], ["setUnicastHopLimit", 5],
] as const;
const GETTERS = ["keepAliveEnabled", "keepAliveCount", "hopLimit", "unicastHopLimit", "receiveBufferSize"] as const;

/** One generated step. */
export const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ c: fc.constantFrom("tcp", "udp"), family }) },
  { weight: 4, arbitrary: fc.record({ c: fc.constantFrom("bind", "startBind"), s: socket, addr: bindAddr }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constantFrom("finishBind", "finishConnect", "startListen", "finishListen"), s: socket }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constantFrom("listen"), s: socket }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant("connect"), s: socket, addr: targetAddr }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant("accept"), s: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant("write"), s: fc.integer({ min: 0, max: 5 }), data: word }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant("read"), s: fc.integer({ min: 0, max: 5 }), data: word, ms: fc.constant(200) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant("shutdown"), s: socket, how: fc.constantFrom("receive", "send", "both") }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constantFrom("local", "remote", "listening", "family"), s: socket }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant("get"), s: socket, option: fc.constantFrom(...GETTERS), exact: fc.constant(false) }) },
  { weight: 2, arbitrary: fc.tuple(socket, fc.constantFrom(...TCP_OPTIONS)).map(([s, [option, value]]) => ({ c: "set", s, option, value })) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant("stream"), s: socket, addr: fc.option(targetAddr, { nil: null, freq: 2 }) }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant("send"), s: socket, addr: fc.option(targetAddr, { nil: null, freq: 3 }), data: word }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant("receive"), s: socket }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant("resolve"), name: fc.constantFrom(...NAMES) }) },
);

/** A client/server exchange, so generated scripts also get connected pairs (indexes fixed by `at`). */
export function exchange(at: number): Step[] {
  return [
    { c: "tcp", family: "ipv4" }, { c: "bind", s: at, addr: "127.0.0.1:0" }, { c: "listen", s: at },
    { c: "tcp", family: "ipv4" }, { c: "connect", s: at + 1, addr: { local: at } }, { c: "write", s: at + 1, data: "hi" },
    { c: "accept", s: at }, { c: "read", s: at + 2, data: "hi" },
    { c: "udp", family: "ipv4" }, { c: "bind", s: at + 3, addr: "127.0.0.1:0" }, { c: "stream", s: at + 3, addr: null },
    { c: "send", s: at + 3, addr: { local: at + 3 }, data: "self" }, { c: "receive", s: at + 3 },
  ];
}

/** The same start twice in a row (a start before the last one finished). */
const twice: fc.Arbitrary<Step[]> = fc.oneof(
  fc.record({ c: fc.constant("startBind"), s: socket, addr: bindAddr }),
  fc.record({ c: fc.constant("startListen"), s: socket }),
).map((s) => [s, s]);

/** A script: sometimes a prefix exchange, then random steps. */
export const script: fc.Arbitrary<Step[]> = fc
  .tuple(fc.boolean(), fc.array(fc.oneof({ weight: 8, arbitrary: step.map((s) => [s]) }, { weight: 1, arbitrary: twice }), { minLength: 1, maxLength: 14 }))
  .map(([pair, groups]) => [...(pair ? exchange(0) : []), ...groups.flat()]);

/** Binds that leave a socket with a loopback or unspecified local address (or that the stock shim refuses). */
const LOCAL_BINDS: ReadonlySet<string> = new Set(["127.0.0.1:0", "[::1]:0", "0.0.0.0:0", "[::]:0", "127.0.0.2:0", "[::ffff:7f00:1]:0", "[::ffff:0:0]:0"]);

/**
 * True when no step of `steps` can send anything off the machine under the
 * stock host: every connect, stream and send target is loopback, the
 * unspecified address (which the shim refuses, or Linux delivers locally),
 * port 0 or the other family. A `{ local: k }` target is safe when every
 * bind the script makes on socket k (directly or through another socket's
 * address) is one of those: a udp socket bound to 224.0.0.1 would make it a
 * multicast target. Binds themselves send nothing.
 */
export function stockSafe(steps: readonly Step[]): boolean {
  const binds = new Map<number, unknown[]>();
  for (const s of steps) if ((s.c === "bind" || s.c === "startBind") && s.s !== undefined) binds.set(s.s, [...(binds.get(s.s) ?? []), s["addr"]]);
  const localSafe = (k: number, seen: Set<number>): boolean => {
    if (seen.has(k)) return true;
    seen.add(k);
    return (binds.get(k) ?? []).every((a) => (typeof a === "string" ? LOCAL_BINDS.has(a) : localSafe((a as { local: number }).local, seen)));
  };
  return steps.every((s) => {
    if (!["connect", "startConnect", "stream", "send"].includes(s.c)) return true;
    const addr = s["addr"];
    if (addr === null || addr === undefined) return true;
    if (typeof addr === "string") return (TARGET_ADDRESSES as readonly string[]).includes(addr);
    return localSafe((addr as { local: number }).local, new Set());
  });
}
