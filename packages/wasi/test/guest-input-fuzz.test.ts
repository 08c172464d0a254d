/**
 * Guest input never traps the guest (issue #12): random names for
 * resolve-addresses and random socket addresses for bind, connect, stream
 * and send, each answered with a value or a documented wasi:sockets error
 * code. The policy grants lookups of localhost only and sockets on loopback
 * port 1 (nothing listens there) and port 0 binds, so no name reaches DNS
 * and no address outside loopback is ever allowed; the address pools keep
 * even a broken guard on this machine: multicast and broadcast only as tcp
 * connect targets (which Linux refuses without sending) or binds.
 * Seeds: printed; replay with NETPERM_WASI_SEED=<seed>.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { netops, type Netops } from "./helpers/guest.js";

const seed = Number(process.env["NETPERM_WASI_SEED"] ?? Date.now() % 2 ** 31);
console.log(`guest-input-fuzz.test.ts: seed ${seed} (replay: NETPERM_WASI_SEED=${seed})`);

/** The wasi:sockets 0.2 error-code enum. */
const CODES = new Set([
  "unknown", "access-denied", "not-supported", "invalid-argument", "out-of-memory", "timeout", "concurrency-conflict", "not-in-progress",
  "would-block", "invalid-state", "new-socket-limit", "address-not-bindable", "address-in-use", "remote-unreachable", "connection-refused",
  "connection-reset", "connection-aborted", "datagram-too-large", "name-unresolvable", "temporary-resolver-failure", "permanent-resolver-failure",
]);
const POLICY = [
  "--allow-resolve=localhost",
  "--allow-outbound=tcp://127.0.0.1:1", "--allow-outbound=tcp://[::1]:1", "--allow-outbound=udp://127.0.0.1:1", "--allow-outbound=udp://[::1]:1",
  "--allow-inbound=tcp://127.0.0.1:0", "--allow-inbound=tcp://[::1]:0", "--allow-inbound=udp://127.0.0.1:0", "--allow-inbound=udp://[::1]:0",
];

let guest: Netops;
beforeAll(async () => {
  guest = await netops(POLICY);
});

function run(steps: readonly Record<string, unknown>[]): string[] {
  const r = guest.exec({ op: "script", steps });
  expect(r.stage, JSON.stringify(r).slice(0, 500)).not.toBe("trap");
  return [...(r.results ?? [])];
}

function documented(line: string): boolean {
  return line === "ok" || line.startsWith("ok:") || (line.startsWith("err:") && CODES.has(line.slice(4)));
}

// ---- names ----
const octet = fc.integer({ min: 0, max: 255 });
/** A number as the WHATWG IPv4 parser reads it: decimal, hex (`0x7f`) or octal (`0177`). */
const spellings = (n: number): string[] => [String(n), `0x${n.toString(16)}`, `0${n.toString(8)}`];
/** An IPv4 address and one of its spellings the WHATWG host parser reads (decimal, hex, octal parts; 1 to 4 parts). */
const ipv4Spelling = fc.tuple(fc.array(octet, { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 4 }), fc.nat(), fc.boolean()).map(([o, parts, pick, dot]) => {
  const value = ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
  const head = o.slice(0, parts - 1);
  const rest = parts === 1 ? value : o.slice(parts - 1).reduce((acc, b) => acc * 256 + b, 0);
  const spell = (n: number, i: number) => spellings(n)[(pick >> (2 * i)) % 3]!;
  const text = [...head.map(spell), spell(rest, parts - 1)].join(".") + (dot ? "." : "");
  return { text, want: o.join(".") };
});
const zone = fc.constantFrom("%eth0", "%1", "%lo", "%");
const nameArb = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.domain(),
  fc.tuple(fc.ipV6(), zone).map(([a, z]) => a + z),
  fc.tuple(fc.ipV6(), zone).map(([a, z]) => `[${a}${z}]`),
  fc.ipV6().map((a) => `[${a}]`),
  fc.constantFrom("", " ", "\0", "local\0host", "localhost\0", "a".repeat(300), `${"a.".repeat(150)}`, "LOCALHOST", "localhost.", "bücher.example", "xn--bcher-kva.example", "127.0.0.1:80", "[::1]:80", "http://localhost/", "0x7f.1", "017.0.0.1", "2130706433", "127.1", "0x100000000", "256.0.0.1", "1.2.3.4.5"),
);

describe("guest-input fuzz", () => {
  it("IPv4 literals in every spelling are answered as the address, without a lookup", () => {
    fc.assert(
      fc.property(fc.array(ipv4Spelling, { minLength: 1, maxLength: 30 }), (names) => {
        const before = guest.audit.length;
        const lines = run(names.map((n) => ({ c: "resolve", name: n.text })));
        names.forEach((n, i) => expect(lines[i], n.text).toBe(`ok:${n.want}`));
        expect(guest.audit.length, "a literal is not a decision").toBe(before);
      }),
      { numRuns: 40, seed },
    );
  });

  it("IPv6 literals are answered as the address; with a zone they are invalid-argument", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.ipV6(), fc.option(zone, { nil: undefined })), { minLength: 1, maxLength: 30 }), (names) => {
        const lines = run(names.map(([a, z]) => ({ c: "resolve", name: z === undefined ? a : a + z })));
        names.forEach(([a, z], i) => {
          if (z !== undefined) return expect(lines[i], a + z).toBe("err:invalid-argument");
          const groups = new URL(`http://[${a}]/`).hostname.slice(1, -1);
          const full = groups.includes(".") ? undefined : groups; // mixed notation: compare by the parser's reading below
          expect(lines[i]?.startsWith("ok:"), a).toBe(true);
          if (full) expect(new URL(`http://[${lines[i]!.slice(3)}]/`).hostname.slice(1, -1), a).toBe(full);
        });
      }),
      { numRuns: 30, seed },
    );
  });

  it("random names never trap: a value, or a documented code; only literals and localhost are answered", () => {
    const answered = { ok: 0, error: 0 };
    fc.assert(
      fc.property(fc.array(nameArb, { minLength: 1, maxLength: 25 }), (names) => {
        const lines = run(names.map((name) => ({ c: "resolve", name })));
        names.forEach((name, i) => {
          const line = lines[i]!;
          expect(documented(line), `${JSON.stringify(name)}: ${line}`).toBe(true);
          answered[line.startsWith("ok") ? "ok" : "error"]++;
        });
      }),
      { numRuns: 40, seed },
    );
    // Every resolve that was decided asked for localhost or was denied: nothing else was looked up.
    expect(guest.audit.filter((e) => e.op === "resolve" && e.allowed).every((e) => e.host === "localhost")).toBe(true);
    expect(answered.ok).toBeGreaterThan(10);
    expect(answered.error).toBeGreaterThan(10);
  });
});

// ---- addresses ----
const port = fc.integer({ min: 0, max: 65535 });
const loopbackV4 = fc.tuple(octet, octet, octet).map(([a, b, c]) => `127.${a}.${b}.${c}`);
const multicastV4 = fc.tuple(fc.integer({ min: 224, max: 239 }), octet, octet, octet).map((o) => o.join("."));
const hex = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
const multicastV6 = fc.tuple(fc.integer({ min: 0, max: 0xff }), hex).map(([b, g]) => `ff${b.toString(16).padStart(2, "0")}::${g}`);
const mappedLoopback = fc.tuple(octet, octet).map(([a, b]) => `::ffff:7f00:${((a << 8) | b).toString(16)}`);
const compat = fc.tuple(octet, octet).map(([a, b]) => `::7f00:${((a << 8) | b).toString(16)}`);
const v4 = (a: fc.Arbitrary<string>) => fc.tuple(a, port).map(([h, p]) => `${h}:${p}`);
const v6 = (a: fc.Arbitrary<string>) => fc.tuple(a, port).map(([h, p]) => `[${h}]:${p}`);
/** Targets: loopback (any port: only port 1 is granted), unspecified, mapped loopback. */
const target = fc.oneof(v4(loopbackV4), v4(fc.constant("0.0.0.0")), v6(fc.constantFrom("::1", "::")), v6(mappedLoopback));
/** Binds may also be multicast, broadcast or IPv4-compatible: a bind sends nothing. */
const bindAddr = fc.oneof(target, v4(multicastV4), v4(fc.constant("255.255.255.255")), v6(multicastV6), v6(compat));
/** tcp connect may also aim at multicast and broadcast: Linux refuses those without a packet. */
const connectAddr = fc.oneof(target, v4(multicastV4), v4(fc.constant("255.255.255.255")), v6(multicastV6));
const family = fc.constantFrom("ipv4", "ipv6");
const probe = fc.oneof(
  fc.tuple(family, bindAddr).map(([f, a]) => [{ c: "tcp", family: f }, { c: "bind", addr: a }]),
  fc.tuple(family, bindAddr).map(([f, a]) => [{ c: "udp", family: f }, { c: "bind", addr: a }]),
  fc.tuple(family, connectAddr).map(([f, a]) => [{ c: "tcp", family: f }, { c: "connect", addr: a }]),
  fc.tuple(family, target).map(([f, a]) => [{ c: "udp", family: f }, { c: "bind", addr: f === "ipv4" ? "127.0.0.1:0" : "[::1]:0" }, { c: "stream", addr: a }]),
  fc.tuple(family, target).map(([f, a]) => [{ c: "udp", family: f }, { c: "bind", addr: f === "ipv4" ? "127.0.0.1:0" : "[::1]:0" }, { c: "stream", addr: null }, { c: "send", addr: a, data: "x" }]),
);

describe("guest-input fuzz: addresses", () => {
  it("random bind, connect, stream and send addresses never trap and never reach beyond the grants", () => {
    fc.assert(
      fc.property(fc.array(probe, { minLength: 1, maxLength: 12 }), (probes) => {
        const steps: Record<string, unknown>[] = [];
        probes.forEach((p, k) => steps.push(...p.map((s) => (s.c === "tcp" || s.c === "udp" ? s : { ...s, s: k }))));
        const lines = run(steps);
        steps.forEach((s, i) => {
          const line = lines[i]!;
          expect(documented(line), `${JSON.stringify(s)}: ${line}`).toBe(true);
          const addr = typeof s["addr"] === "string" ? s["addr"] : "";
          // A connect or datagram succeeds only to a granted target: loopback port 1.
          if ((s["c"] === "connect" || s["c"] === "send" || s["c"] === "stream") && addr && line.startsWith("ok")) {
            expect(["127.0.0.1:1", "[::1]:1"], `${JSON.stringify(s)}: ${line}`).toContain(addr);
          }
        });
      }),
      { numRuns: 40, seed },
    );
    expect(guest.audit.every((e) => e.allowed === false || e.host === "localhost" || e.host === "127.0.0.1" || e.host === "::1")).toBe(true);
  });
});
