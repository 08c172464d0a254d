/**
 * The seed (docs/seed.md), line by line: what each flag
 * allows and, beside it, the nearest things it does not.
 */
import { describe, expect, it } from "vitest";
import { compile, type CompileOptions } from "./compile.js";
import { parsePolicy } from "../grammar/parse.js";
import { ResolutionTable } from "./resolution-table.js";
import type { Decision, Operation, Protocol } from "../types.js";

const at = (now: number) => new ResolutionTable({ clock: { now: () => now } });

function decide(flags: string[], op: Operation, table?: ResolutionTable, options?: CompileOptions): Decision {
  return compile(parsePolicy(flags), options).decide(op, table);
}
type SocketOp = Exclude<Operation, { op: "resolve" }>;
const connect = (host: string, port: number, protocol: Protocol = "tcp"): SocketOp => ({ op: "connect", protocol, host, port });
const bind = (host: string, port: number, protocol: Protocol = "tcp"): SocketOp => ({ op: "bind", protocol, host, port });
const resolve = (host: string): Operation => ({ op: "resolve", host });

function expectAllowed(d: Decision, index = 0): void {
  expect({ allowed: d.allowed, reason: d.reason, index: d.rule?.index }).toEqual({ allowed: true, reason: "allowed", index });
}
function expectDenied(d: Decision, reason: Decision["reason"]): void {
  expect({ allowed: d.allowed, reason: d.reason }).toEqual({ allowed: false, reason });
}

describe("--allow-outbound=tcp://example.com:80", () => {
  const flags = ["--allow-outbound=tcp://example.com:80"];
  const table = at(0);
  table.record("example.com", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]);

  it("allows connect by name to example.com:80", () => {
    const d = decide(flags, connect("Example.COM.", 80));
    expectAllowed(d);
    expect(d.host).toBe("example.com");
    expect(d.rule).toEqual({ flag: "--allow-outbound=tcp://example.com:80", index: 0, source: "flags" });
  });
  it("allows an address the table says example.com resolved to", () => {
    expectAllowed(decide(flags, connect("93.184.215.14", 80), table));
    expectAllowed(decide(flags, connect("2606:2800:21f:cb07:6820:80da:af6b:8b2c", 80), table));
  });
  it("allows an address obtained by the caller's own lookup (via)", () => {
    expectAllowed(decide(flags, { ...connect("93.184.215.14", 80), via: "example.com" }));
  });
  it("denies port 81", () => {
    expectDenied(decide(flags, connect("example.com", 81)), "no-rule");
    expectDenied(decide(flags, connect("93.184.215.14", 81), table), "no-rule");
  });
  it("denies www.example.com", () => {
    expectDenied(decide(flags, connect("www.example.com", 80)), "no-rule");
  });
  it("denies an address nothing resolved, as not-resolved", () => {
    const d = decide(flags, connect("93.184.215.15", 80), table);
    expectDenied(d, "not-resolved");
    expect(d.message).toContain("93.184.215.15");
  });
  it("denies an address that another name resolved to", () => {
    const t = at(0);
    t.record("evil.test", ["93.184.215.14"]);
    expectDenied(decide(flags, connect("93.184.215.14", 80), t), "not-resolved");
  });
  it("denies udp: no udp rule at all", () => {
    const d = decide(flags, connect("example.com", 80, "udp"));
    expectDenied(d, "no-rule");
    expect(d.message).toBe("no --allow-outbound rule for udp");
  });
  it("implies resolve example.com, and only that", () => {
    expectAllowed(decide(flags, resolve("example.com")));
    expectDenied(decide(flags, resolve("www.example.com")), "no-rule");
  });
  it("forgets the table's answers when their TTL has passed", () => {
    let now = 0;
    const t = new ResolutionTable({ clock: { now: () => now } });
    t.record("example.com", ["93.184.215.14"], 30);
    now = 30_000;
    expectAllowed(decide(flags, connect("93.184.215.14", 80), t));
    now = 30_001;
    expectDenied(decide(flags, connect("93.184.215.14", 80), t), "not-resolved");
  });
});

describe("--allow-inbound=tcp://localhost:80", () => {
  const flags = ["--allow-inbound=tcp://localhost:80"];
  it("allows binding 127.0.0.1:80, any 127/8 address and ::1", () => {
    expectAllowed(decide(flags, bind("127.0.0.1", 80)));
    expectAllowed(decide(flags, bind("127.9.8.7", 80)));
    expectAllowed(decide(flags, bind("::1", 80)));
    expectAllowed(decide(flags, bind("localhost", 80)));
  });
  it("denies 0.0.0.0, ::, port 81 and outbound", () => {
    expectDenied(decide(flags, bind("0.0.0.0", 80)), "no-rule");
    expectDenied(decide(flags, bind("::", 80)), "no-rule");
    expectDenied(decide(flags, bind("127.0.0.1", 81)), "no-rule");
    expectDenied(decide(flags, connect("127.0.0.1", 80)), "no-rule");
  });
});

describe("resolve rules", () => {
  it("--allow-resolve=example.com allows that name only", () => {
    expectAllowed(decide(["--allow-resolve=example.com"], resolve("EXAMPLE.com.")));
    expectDenied(decide(["--allow-resolve=example.com"], resolve("www.example.com")), "no-rule");
    expectDenied(decide(["--allow-resolve=example.com"], resolve("example.org")), "no-rule");
  });
  it("--allow-resolve=*.example.com allows subdomains, never the apex", () => {
    expectAllowed(decide(["--allow-resolve=*.example.com"], resolve("www.example.com")));
    expectAllowed(decide(["--allow-resolve=*.example.com"], resolve("a.b.example.com")));
    expectDenied(decide(["--allow-resolve=*.example.com"], resolve("example.com")), "no-rule");
    expectDenied(decide(["--allow-resolve=*.example.com"], resolve("wwwexample.com")), "no-rule");
  });
  it("--allow-resolve=* allows any lookup; no resolve rule allows none", () => {
    expectAllowed(decide(["--allow-resolve=*"], resolve("anything.test")));
    const d = decide(["--allow-inbound=tcp://*:80"], resolve("example.com"));
    expectDenied(d, "no-rule");
    expect(d.message).toBe("no --allow-resolve rule");
  });
  it("#ipv4-only and #ipv6-only carry the family on the decision", () => {
    expect(decide(["--allow-resolve=example.com#ipv4-only"], resolve("example.com")).family).toBe("ipv4");
    expect(decide(["--allow-resolve=example.com#ipv6-only"], resolve("example.com")).family).toBe("ipv6");
    expect(decide(["--allow-resolve=example.com"], resolve("example.com")).family).toBeUndefined();
    const both = ["--allow-resolve=example.com#ipv4-only", "--allow-resolve=example.com#ipv6-only"];
    expect(decide(both, resolve("example.com")).family).toBeUndefined();
  });
});

describe("outbound address rules", () => {
  it("tcp://127.0.0.1:80 allows that address and port only", () => {
    const flags = ["--allow-outbound=tcp://127.0.0.1:80"];
    expectAllowed(decide(flags, connect("127.0.0.1", 80)));
    expectDenied(decide(flags, connect("127.0.0.2", 80)), "no-rule");
    expectDenied(decide(flags, connect("127.0.0.1", 81)), "no-rule");
    expectDenied(decide(flags, connect("localhost", 80)), "no-rule");
    expectDenied(decide(flags, resolve("localhost")), "no-rule");
  });
  it("tcp://127.0.0.1:* allows every port of that address", () => {
    const flags = ["--allow-outbound=tcp://127.0.0.1:*"];
    expectAllowed(decide(flags, connect("127.0.0.1", 1)));
    expectAllowed(decide(flags, connect("127.0.0.1", 65535)));
    expectDenied(decide(flags, connect("127.0.0.2", 80)), "no-rule");
  });
  it("tcp://*:80 allows any server on port 80, by address or by name", () => {
    const flags = ["--allow-outbound=tcp://*:80"];
    expectAllowed(decide(flags, connect("192.0.2.1", 80)));
    expectAllowed(decide(flags, connect("2001:db8::1", 80)));
    expectAllowed(decide(flags, connect("example.com", 80)));
    expectDenied(decide(flags, connect("192.0.2.1", 443)), "no-rule");
    expectDenied(decide(flags, resolve("example.com")), "no-rule");
  });
  it("tcp://*:* allows every tcp connection and no udp one", () => {
    expectAllowed(decide(["--allow-outbound=tcp://*:*"], connect("192.0.2.1", 1)));
    expectDenied(decide(["--allow-outbound=tcp://*:*"], connect("192.0.2.1", 1, "udp")), "no-rule");
  });
  it("tcp://...#ipv4-only allows IPv4 only; IPv6 is denied for its family", () => {
    const flags = ["--allow-outbound=tcp://...#ipv4-only"];
    expectAllowed(decide(flags, connect("192.0.2.1", 443)));
    const d = decide(flags, connect("[2001:db8::1]", 443));
    expectDenied(d, "family");
    expect(d.rule?.index).toBe(0);
    const name = decide(flags, connect("example.com", 443));
    expectAllowed(name);
    expect(name.family).toBe("ipv4");
  });
  it("tcp://...#ipv6-only allows IPv6 only", () => {
    const flags = ["--allow-outbound=tcp://...#ipv6-only"];
    expectAllowed(decide(flags, connect("2001:db8::1", 443)));
    expectDenied(decide(flags, connect("192.0.2.1", 443)), "family");
  });
  it("tcp://*:80,443 allows exactly the listed ports", () => {
    const flags = ["--allow-outbound=tcp://*:80,443"];
    expectAllowed(decide(flags, connect("192.0.2.1", 80)));
    expectAllowed(decide(flags, connect("192.0.2.1", 443)));
    expectDenied(decide(flags, connect("192.0.2.1", 81)), "no-rule");
    expectDenied(decide(flags, connect("192.0.2.1", 442)), "no-rule");
  });
  it("tcp://*:21,35000-35999 allows the list and the whole range", () => {
    const flags = ["--allow-outbound=tcp://*:21,35000-35999"];
    for (const port of [21, 35000, 35500, 35999]) expectAllowed(decide(flags, connect("192.0.2.1", port)));
    for (const port of [20, 22, 34999, 36000]) expectDenied(decide(flags, connect("192.0.2.1", port)), "no-rule");
  });
  it("udp://... allows every udp connect and send, and no tcp", () => {
    const flags = ["--allow-outbound=udp://..."];
    expectAllowed(decide(flags, connect("192.0.2.1", 53, "udp")));
    expectAllowed(decide(flags, { op: "send", protocol: "udp", host: "192.0.2.1", port: 53 }));
    expectDenied(decide(flags, connect("192.0.2.1", 53)), "no-rule");
  });
});

describe("inbound interface and port rules", () => {
  const interfaces: CompileOptions = {
    interfaces: () => ({ eth0: [{ address: "192.168.1.5" }, { address: "fe80::1" }], lo: [{ address: "127.0.0.1" }] }),
  };
  it("tcp://eth0:80 allows the addresses of eth0 on port 80", () => {
    const flags = ["--allow-inbound=tcp://eth0:80"];
    expectAllowed(decide(flags, bind("192.168.1.5", 80), undefined, interfaces));
    expectAllowed(decide(flags, bind("fe80::1%eth0", 80), undefined, interfaces));
    expectDenied(decide(flags, bind("127.0.0.1", 80), undefined, interfaces), "no-rule");
    expectDenied(decide(flags, bind("192.168.1.5", 81), undefined, interfaces), "no-rule");
    expectDenied(decide(flags, bind("192.168.1.5", 80)), "no-rule");
  });
  it("an interface that throws denies", () => {
    const broken: CompileOptions = {
      interfaces: () => {
        throw new Error("boom");
      },
    };
    const d = decide(["--allow-inbound=tcp://eth0:80"], bind("192.168.1.5", 80), undefined, broken);
    expectDenied(d, "invalid-input");
    expect(d.message).toContain("boom");
  });
  it("tcp://*:80 allows any interface on port 80 but not a free port", () => {
    const flags = ["--allow-inbound=tcp://*:80"];
    expectAllowed(decide(flags, bind("0.0.0.0", 80)));
    expectAllowed(decide(flags, bind("::", 80)));
    expectDenied(decide(flags, bind("0.0.0.0", 0)), "no-rule");
  });
  it("tcp://*:0 allows only a free port; * includes port 0", () => {
    expectAllowed(decide(["--allow-inbound=tcp://*:0"], bind("0.0.0.0", 0)));
    expectDenied(decide(["--allow-inbound=tcp://*:0"], bind("0.0.0.0", 8080)), "no-rule");
    expectAllowed(decide(["--allow-inbound=tcp://*:*"], bind("0.0.0.0", 0)));
  });
});

describe("mappings", () => {
  it("resolve my-database.internal->172.17.0.14 answers without DNS", () => {
    const flags = ["--allow-resolve=my-database.internal->172.17.0.14"];
    const d = decide(flags, resolve("my-database.internal"));
    expectAllowed(d);
    expect(d.mapped).toEqual({ addresses: ["172.17.0.14"] });
    expectDenied(decide(flags, resolve("other.internal")), "no-rule");
  });
  it("inbound *:80->8888 binds 8888 for the guest's 80", () => {
    const flags = ["--allow-inbound=tcp://*:80->8888"];
    const d = decide(flags, bind("0.0.0.0", 80));
    expectAllowed(d);
    expect(d.mapped).toEqual({ host: "0.0.0.0", port: 8888 });
    expectDenied(decide(flags, bind("0.0.0.0", 8888)), "no-rule");
  });
  it("outbound my-database.internal->172.17.0.14:5432->5433, by name and by the mapped address", () => {
    const flags = ["--allow-outbound=tcp://my-database.internal->172.17.0.14:5432->5433"];
    const byName = decide(flags, connect("my-database.internal", 5432));
    expectAllowed(byName);
    expect(byName.mapped).toEqual({ host: "172.17.0.14", port: 5433 });
    const table = at(0);
    table.record("my-database.internal", ["172.17.0.14"]);
    const byAddress = decide(flags, connect("172.17.0.14", 5432), table);
    expectAllowed(byAddress);
    expect(byAddress.mapped).toEqual({ host: "172.17.0.14", port: 5433 });
    expectDenied(decide(flags, connect("my-database.internal", 5433)), "no-rule");
    expectDenied(decide(flags, connect("172.17.0.14", 5432)), "not-resolved");
  });
  it("implies resolve with the same mapping", () => {
    const d = decide(["--allow-outbound=tcp://my-database.internal->172.17.0.14:5432->5433"], resolve("my-database.internal"));
    expectAllowed(d);
    expect(d.mapped).toEqual({ addresses: ["172.17.0.14"] });
  });
  it("checks the mapped target against deny rules", () => {
    const flags = ["--allow-outbound=tcp://db.internal->127.0.0.5:5432->5433", "--deny-outbound=tcp://127.0.0.5:5433"];
    const d = decide(flags, connect("db.internal", 5432));
    expectDenied(d, "denied-by-rule");
    expect(d.rule?.index).toBe(1);
    expect(d.message).toContain("127.0.0.5:5433");
  });
  it("ranges map element by element", () => {
    const d = decide(["--allow-inbound=tcp://*:8000-8099->9000-9099"], bind("127.0.0.1", 8042));
    expect(d.mapped).toEqual({ host: "127.0.0.1", port: 9042 });
  });
});
