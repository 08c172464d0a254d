/**
 * Socket programs modelled on wasmtime's wasi:sockets test programs
 * (crates/test-programs/src/bin/p2_*.rs in the wasmtime repository), as
 * scripts for the netops guest's `script` op, with the result wasmtime's
 * assertions demand for each step. Loopback only: no step sends anywhere
 * else (the invalid targets below are refused before any socket call, or
 * are multicast/broadcast refusals the host must give without the OS).
 * `"ok*"` accepts any success.
 */
export interface Step {
  readonly c: string;
  readonly s?: number;
  readonly [key: string]: unknown;
}
export interface Program {
  readonly name: string;
  readonly steps: readonly Step[];
  readonly expect: readonly string[];
}

const OK = "ok*";
const bind = (s: number, addr: unknown): Step => ({ c: "bind", s, addr });
const connect = (s: number, addr: unknown): Step => ({ c: "connect", s, addr });
const set = (s: number, option: string, value: number | boolean): Step => ({ c: "set", s, option, value });

/** Unbound, bound, listening, connected: the calls each state refuses (p2_tcp_states). */
const tcpStates: Program = {
  name: "tcp_states",
  steps: [
    { c: "tcp", family: "ipv4" },
    { c: "finishBind", s: 0 }, { c: "finishConnect", s: 0 }, { c: "startListen", s: 0 }, { c: "finishListen", s: 0 },
    { c: "accept", s: 0 }, { c: "shutdown", s: 0 }, { c: "local", s: 0 }, { c: "remote", s: 0 }, { c: "listening", s: 0 },
    set(0, "setListenBacklogSize", 32), set(0, "setKeepAliveIdleTime", 1), set(0, "setHopLimit", 255),
    bind(0, "127.0.0.1:0"),
    { c: "startBind", s: 0, addr: "127.0.0.1:0" }, { c: "finishBind", s: 0 }, { c: "finishConnect", s: 0 }, { c: "accept", s: 0 },
    { c: "shutdown", s: 0 }, { c: "local", s: 0 }, { c: "remote", s: 0 },
    { c: "listen", s: 0 },
    { c: "startBind", s: 0, addr: "127.0.0.1:0" }, { c: "startConnect", s: 0, addr: "127.0.0.1:1" }, { c: "startListen", s: 0 },
    { c: "listening", s: 0 }, { c: "remote", s: 0 },
    { c: "tcp", family: "ipv4" }, connect(1, { local: 0 }),
    { c: "startBind", s: 1, addr: "127.0.0.1:0" }, { c: "startConnect", s: 1, addr: { local: 0 } }, { c: "startListen", s: 1 },
    { c: "listening", s: 1 }, { c: "local", s: 1 }, { c: "remote", s: 1 },
  ].map((s) => (s.c === "startConnect" ? { ...s, c: "connect" } : s)),
  expect: [
    "ok", "err:not-in-progress", "err:not-in-progress", "err:invalid-state", "err:not-in-progress",
    "err:invalid-state", "err:invalid-state", "err:invalid-state", "err:invalid-state", "ok:false",
    "ok", "ok", "ok",
    "ok",
    "err:invalid-state", "err:not-in-progress", "err:not-in-progress", "err:invalid-state",
    "err:invalid-state", "ok:127.0.0.1:#", "err:invalid-state",
    "ok",
    "err:invalid-state", "err:invalid-state", "err:invalid-state",
    "ok:true", "err:invalid-state",
    "ok", "ok",
    "err:invalid-state", "err:invalid-state", "err:invalid-state",
    "ok:false", "ok:127.0.0.1:#", "ok:127.0.0.1:#",
  ],
};

export const PROGRAMS: readonly Program[] = [
  {
    name: "tcp_bind",
    steps: [
      { c: "tcp", family: "ipv4" }, bind(0, "127.0.0.1:0"), { c: "local", s: 0 }, { c: "listen", s: 0 },
      { c: "tcp", family: "ipv4" }, bind(1, { local: 0 }),
      { c: "tcp", family: "ipv4" }, bind(2, "[::1]:0"), bind(2, "224.0.0.1:0"), bind(2, "239.1.2.3:0"), bind(2, "255.255.255.255:0"),
      { c: "tcp", family: "ipv6" }, bind(3, "127.0.0.1:0"), bind(3, "[::ffff:7f00:1]:0"), bind(3, "[ff02::1]:0"), bind(3, "[::7f00:1]:0"), bind(3, "[::1]:0"),
    ],
    expect: [
      "ok", "ok", "ok:127.0.0.1:#", "ok",
      "ok", "err:address-in-use",
      "ok", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument",
      "ok", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument", "ok",
    ],
  },
  {
    name: "tcp_connect",
    steps: [
      { c: "tcp", family: "ipv4" }, bind(0, "127.0.0.1:0"), { c: "listen", s: 0 },
      { c: "tcp", family: "ipv4" }, connect(1, "0.0.0.0:80"),
      { c: "tcp", family: "ipv4" }, connect(2, { local: 0, port: 0 }),
      { c: "tcp", family: "ipv4" }, connect(3, "[::1]:80"),
      { c: "tcp", family: "ipv4" }, connect(4, "255.255.255.255:80"), connect(4, "224.254.0.0:80"), connect(4, "239.255.0.1:80"),
      { c: "tcp", family: "ipv6" }, connect(5, "[ff00::]:80"), connect(5, "[ff02::1]:80"), connect(5, "[::ffff:7f00:1]:80"), connect(5, "[::]:80"),
      { c: "tcp", family: "ipv4" }, bind(6, "127.0.0.1:0"), connect(6, { local: 0 }), { c: "remote", s: 6 },
    ],
    expect: [
      "ok", "ok", "ok",
      "ok", "err:invalid-argument",
      "ok", "err:invalid-argument",
      "ok", "err:invalid-argument",
      "ok", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument",
      "ok", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument",
      "ok", "ok", "ok", "ok:127.0.0.1:#",
    ],
  },
  tcpStates,
  {
    name: "tcp_sockopts",
    steps: [
      { c: "tcp", family: "ipv4" },
      set(0, "setListenBacklogSize", 0), set(0, "setListenBacklogSize", 1), set(0, "setKeepAliveIdleTime", 0), set(0, "setKeepAliveIdleTime", 1),
      set(0, "setKeepAliveInterval", 0), set(0, "setKeepAliveCount", 0), set(0, "setKeepAliveCount", 1),
      set(0, "setHopLimit", 0), set(0, "setHopLimit", 1), set(0, "setReceiveBufferSize", 0), set(0, "setSendBufferSize", 0),
      { c: "set", s: 0, option: "setKeepAliveEnabled", value: true }, { c: "get", s: 0, option: "keepAliveEnabled", exact: true },
    ],
    expect: ["ok", "err:invalid-argument", "ok", "err:invalid-argument", "ok", "err:invalid-argument", "err:invalid-argument", "ok",
      "err:invalid-argument", "ok", "err:invalid-argument", "err:invalid-argument", "ok", "ok:true"],
  },
  {
    name: "tcp_sample_application",
    steps: [
      { c: "tcp", family: "ipv4" }, bind(0, "127.0.0.1:0"), { c: "listen", s: 0 },
      { c: "tcp", family: "ipv4" }, connect(1, { local: 0 }), { c: "write", s: 1, data: "Hello, world!" },
      { c: "accept", s: 0 }, { c: "read", s: 2, data: "Hello, world!" }, { c: "write", s: 2, data: "back" }, { c: "read", s: 1, data: "back" },
      { c: "remote", s: 1 }, { c: "local", s: 2 },
    ],
    expect: ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok:Hello, world!", "ok", "ok:back", "ok:127.0.0.1:#", "ok:127.0.0.1:#"],
  },
  {
    name: "udp_bind",
    steps: [
      { c: "udp", family: "ipv4" }, bind(0, "127.0.0.1:0"), { c: "local", s: 0 }, { c: "startBind", s: 0, addr: "127.0.0.1:0" },
      { c: "udp", family: "ipv4" }, bind(1, "[::1]:0"),
      { c: "udp", family: "ipv6" }, bind(2, "[::ffff:7f00:1]:0"), bind(2, "127.0.0.1:0"), bind(2, "[::1]:0"),
      { c: "udp", family: "ipv4" }, bind(3, { local: 0 }),
    ],
    expect: ["ok", "ok", "ok:127.0.0.1:#", "err:invalid-state", "ok", "err:invalid-argument", "ok", "err:invalid-argument", "err:invalid-argument", "ok", "ok", "err:address-in-use"],
  },
  {
    name: "udp_connect",
    steps: [
      { c: "udp", family: "ipv4" }, { c: "stream", s: 0, addr: "127.0.0.1:4321" },
      bind(0, "127.0.0.1:0"), { c: "stream", s: 0, addr: null }, { c: "remote", s: 0 },
      { c: "stream", s: 0, addr: "127.0.0.1:4321" }, { c: "remote", s: 0 }, { c: "stream", s: 0, addr: "127.0.0.1:4320" }, { c: "remote", s: 0 },
      { c: "stream", s: 0, addr: null }, { c: "remote", s: 0 }, { c: "local", s: 0 },
      { c: "stream", s: 0, addr: "0.0.0.0:4321" }, { c: "stream", s: 0, addr: "127.0.0.1:0" }, { c: "stream", s: 0, addr: "[::1]:4321" },
      { c: "udp", family: "ipv6" }, bind(1, "[::1]:0"), { c: "stream", s: 1, addr: "[::ffff:7f00:1]:4321" }, { c: "stream", s: 1, addr: "[::]:4321" },
    ],
    expect: [
      "ok", "err:invalid-state",
      "ok", "ok", "err:invalid-state",
      "ok", "ok:127.0.0.1:#", "ok", "ok:127.0.0.1:#",
      "ok", "err:invalid-state", "ok:127.0.0.1:#",
      "err:invalid-argument", "err:invalid-argument", "err:invalid-argument",
      "ok", "ok", "err:invalid-argument", "err:invalid-argument",
    ],
  },
  {
    name: "udp_states",
    steps: [
      { c: "udp", family: "ipv4" }, { c: "finishBind", s: 0 }, { c: "stream", s: 0, addr: null }, { c: "local", s: 0 }, { c: "remote", s: 0 },
      { c: "family", s: 0 }, set(0, "setUnicastHopLimit", 255), set(0, "setReceiveBufferSize", 16000), set(0, "setSendBufferSize", 16000),
      bind(0, "127.0.0.1:0"), { c: "startBind", s: 0, addr: "127.0.0.1:0" }, { c: "finishBind", s: 0 }, { c: "local", s: 0 }, { c: "remote", s: 0 },
      { c: "stream", s: 0, addr: "127.0.0.1:54321" }, { c: "startBind", s: 0, addr: "127.0.0.1:0" }, { c: "local", s: 0 }, { c: "remote", s: 0 },
    ],
    expect: [
      "ok", "err:not-in-progress", "err:invalid-state", "err:invalid-state", "err:invalid-state",
      "ok:ipv4", "ok", "ok", "ok",
      "ok", "err:invalid-state", "err:not-in-progress", "ok:127.0.0.1:#", "err:invalid-state",
      "ok", "err:invalid-state", "ok:127.0.0.1:#", "ok:127.0.0.1:#",
    ],
  },
  {
    name: "udp_sockopts",
    steps: [
      { c: "udp", family: "ipv4" }, set(0, "setUnicastHopLimit", 0), set(0, "setUnicastHopLimit", 1),
      set(0, "setReceiveBufferSize", 0), set(0, "setReceiveBufferSize", 1), set(0, "setSendBufferSize", 0), set(0, "setSendBufferSize", 1),
      { c: "get", s: 0, option: "unicastHopLimit", exact: true },
    ],
    expect: ["ok", "err:invalid-argument", "ok", "err:invalid-argument", "ok", "err:invalid-argument", "ok", "ok:1"],
  },
  {
    name: "udp_sample_application",
    steps: [
      { c: "udp", family: "ipv4" }, bind(0, "127.0.0.1:0"), { c: "stream", s: 0, addr: null },
      { c: "udp", family: "ipv4" }, bind(1, "127.0.0.1:0"), { c: "stream", s: 1, addr: null },
      { c: "send", s: 1, addr: { local: 0 }, data: "first" }, { c: "receive", s: 0 },
      { c: "stream", s: 1, addr: { local: 0 } }, { c: "send", s: 1, addr: null, data: "second" }, { c: "receive", s: 0 },
      { c: "send", s: 1, addr: "127.0.0.1:9", data: "elsewhere" }, { c: "send", s: 1, addr: { local: 0, port: 0 }, data: "port0" },
      { c: "send", s: 0, addr: null, data: "nowhere" },
    ],
    expect: ["ok", "ok", "ok", "ok", "ok", "ok", "ok:1", "ok:first@127.0.0.1:#", "ok", "ok:1", "ok:second@127.0.0.1:#",
      "err:invalid-argument", "err:invalid-argument", "err:invalid-argument"],
  },
  {
    name: "ip_name_lookup",
    steps: [
      "localhost", "0.0.0.0", "127.0.0.1", "192.0.2.0", "::", "::1", "[::]", "2001:0db8:0:0:0:0:0:0", "dead:beef::", "DEAD:BEEF::0",
      "", " ", "a.b<&>", "127.0.0.1:80", "[::]:80", "http://example.com/",
    ].map((name) => ({ c: "resolve", name })),
    expect: [
      OK, "ok:0.0.0.0", "ok:127.0.0.1", "ok:192.0.2.0", "ok:0:0:0:0:0:0:0:0", "ok:0:0:0:0:0:0:0:1", "ok:0:0:0:0:0:0:0:0",
      "ok:2001:db8:0:0:0:0:0:0", "ok:dead:beef:0:0:0:0:0:0", "ok:dead:beef:0:0:0:0:0:0",
      "err:invalid-argument", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument", "err:invalid-argument",
    ],
  },
];

/** The policy that grants everything, as `netperm run` spells it. */
export const ALL = ["--allow-inbound=tcp://*:*", "--allow-outbound=tcp://*:*", "--allow-inbound=udp://*:*", "--allow-outbound=udp://*:*", "--allow-resolve=*"];

/** Does `line` satisfy `want` (`ok*`: any success)? */
export function matches(line: string | undefined, want: string): boolean {
  return want === OK ? line !== undefined && line.startsWith("ok") : line === want;
}
