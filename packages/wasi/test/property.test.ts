/**
 * docs/design.md, Testing: random policies and random guest socket operations; the
 * guarded host must decide every one exactly as `compile(policy).decide`
 * does (allowed or not, and the reason), a denied operation must fail in the
 * guest with `access-denied` / `permanent-resolver-failure`, and an allowed
 * one must really happen (a bind binds, a datagram is sent, a connect reaches
 * the OS: refused by a closed loopback port). Loopback only: every address
 * is 127.0.0.0/8 or ::1, and a name is localhost or mapped to loopback, so
 * an allowed lookup never reaches DNS. Every operation kind runs allowed and
 * denied, counted; a run whose operations cannot be tried for real is
 * rejected with `fc.pre`.
 */
import fc from "fast-check";
import { compile, parsePolicy, ResolutionTable, type Operation, type Policy } from "@netperm/core";
import { describe, expect, it } from "vitest";
import { netops } from "./helpers/guest.js";
import { freePort } from "./helpers/peers.js";

const ADDRESSES = ["127.0.0.1", "127.0.0.2", "::1"] as const;
const NAMES = ["db.test", "localhost"] as const;

type GuestOp =
  | { kind: "connect"; address: string }
  | { kind: "bind"; protocol: "tcp" | "udp"; address: string }
  | { kind: "send"; address: string }
  | { kind: "resolve"; name: string };
type Kind = "connect" | "bind-tcp" | "bind-udp" | "send" | "resolve";

const guestOp: fc.Arbitrary<GuestOp> = fc.oneof(
  fc.record({ kind: fc.constant("connect" as const), address: fc.constantFrom(...ADDRESSES) }),
  fc.record({ kind: fc.constant("bind" as const), protocol: fc.constantFrom("tcp" as const, "udp" as const), address: fc.constantFrom(...ADDRESSES) }),
  fc.record({ kind: fc.constant("send" as const), address: fc.constantFrom(...ADDRESSES) }),
  fc.record({ kind: fc.constant("resolve" as const), name: fc.constantFrom(...NAMES) }),
);

function text(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
const kindOf = (op: GuestOp): Kind => (op.kind === "bind" ? `bind-${op.protocol}` : op.kind);

/** A protocol with no allow rule that a socket could use (for udp: no inbound rule, a socket must bind first). */
function switchedOff(policy: Policy, protocol: "tcp" | "udp"): boolean {
  const usable = (r: Policy["rules"][number]) => r.effect === "allow" && r.protocol === protocol && (protocol === "tcp" ? r.direction !== "resolve" : r.direction === "inbound");
  return !policy.rules.some(usable);
}

describe("the guarded host decides as @netperm/core", () => {
  it("for random policies and random guest operations, each kind allowed and denied", async () => {
    // Allowed connects and datagrams go to this loopback port, where nothing listens: refused, nothing leaves.
    const closed = await freePort();
    const host = fc.constantFrom("*", "127.0.0.1", "127.0.0.0/8", "[::1]", "localhost", "db.test", "127.0.0.2");
    const ports = fc.constantFrom("*", "0", String(closed), "1-1023", "1024-65535");
    const family = fc.constantFrom("", "#ipv4-only", "#ipv6-only");
    const rule = fc.oneof(
      fc.tuple(fc.constantFrom("allow", "allow", "deny"), fc.constantFrom("outbound", "inbound"), fc.constantFrom("tcp", "udp"), host, ports, family).map(
        ([effect, dir, proto, h, p, f]) => `--${effect}-${dir}=${proto}://${h}:${p}${f}`,
      ),
      fc.tuple(fc.constantFrom("allow", "allow", "deny"), fc.constantFrom("*", "db.test", "localhost"), family).map(([e, n, f]) => `--${e}-resolve=${n}${f}`),
      fc.constantFrom("--allow-resolve=db.test->127.0.0.3", "--allow-resolve=db.test->127.0.0.1,::1"),
    );
    // Wide grants that the random rules then narrow or carve into, so that every kind is also allowed.
    const WIDE = ["--allow-outbound=tcp://*:*", "--allow-inbound=tcp://*:*", "--allow-inbound=udp://*:0", "--allow-outbound=udp://*:*", "--allow-resolve=localhost"];
    const executed = Object.fromEntries((["connect", "bind-tcp", "bind-udp", "send", "resolve"] as const).map((k) => [k, { allowed: 0, denied: 0 }])) as Record<
      Kind,
      { allowed: number; denied: number }
    >;
    let runs = 0;
    let off = 0;
    await fc.assert(
      fc.asyncProperty(fc.subarray(WIDE), fc.array(rule, { minLength: 1, maxLength: 6 }), fc.array(guestOp, { minLength: 1, maxLength: 8 }), async (wide, narrow, ops) => {
        const flags = [...wide, ...narrow];
        let policy;
        try {
          policy = parsePolicy(flags);
        } catch {
          policy = undefined;
        }
        fc.pre(policy !== undefined); // a policy core refuses is not a host question
        const reference = compile(policy);
        // Runs that cannot be tried for real: an allowed lookup of a name that is not mapped (it would reach DNS),
        // a datagram from a socket whose bind is denied (the send is never decided).
        for (const op of ops) {
          if (op.kind === "resolve" && op.name !== "localhost") {
            const d = reference.decide({ op: "resolve", host: op.name }, new ResolutionTable());
            fc.pre(!d.allowed || d.mapped?.addresses !== undefined);
          }
          if (op.kind === "send") fc.pre(reference.decide({ op: "bind", protocol: "udp", host: op.address, port: 0 }, new ResolutionTable()).allowed);
        }
        runs++;
        const guest = await netops(policy);
        const table = new ResolutionTable();
        for (const op of ops) {
          const before = guest.audit.length;
          let expected: Operation;
          let result;
          let kind = kindOf(op);
          if (op.kind === "resolve") {
            expected = { op: "resolve", host: op.name };
            result = guest.exec({ op: "resolve", name: op.name });
          } else if (op.kind === "connect") {
            expected = { op: "connect", protocol: "tcp", host: op.address, port: closed };
            result = guest.exec({ op: "tcpConnect", to: text(op.address, closed), send: "p" });
          } else if (op.kind === "bind") {
            expected = { op: "bind", protocol: op.protocol, host: op.address, port: 0 };
            result = guest.exec({ op: op.protocol === "tcp" ? "tcpListen" : "udpBind", at: text(op.address, 0) });
          } else {
            const bind: Operation = { op: "bind", protocol: "udp", host: op.address, port: 0 };
            const bound = guest.exec({ op: "udpBind", at: text(op.address, 0) });
            if (reference.decide(bind, table).allowed) {
              expect(bound.ok, JSON.stringify(bound)).toBe(true);
              expected = { op: "send", protocol: "udp", host: op.address, port: closed };
              result = guest.exec({ op: "udpSend", id: bound.id, to: text(op.address, closed), send: "p" });
            } else {
              // A deny rule for a name this instance has resolved since: the bind is the operation decided.
              [kind, expected, result] = ["bind-udp", bind, bound];
            }
          }
          const context = JSON.stringify({ flags, op, result });
          if (expected.op !== "resolve" && switchedOff(policy, expected.protocol)) {
            // No grant at all for the protocol: wasmtime's -S tcp=n / udp=n, the socket is not even made.
            expect(result, context).toMatchObject({ ok: false, stage: "create", error: "access-denied" });
            expect(guest.audit.length, context).toBe(before);
            off++;
            continue;
          }
          const want = reference.decide(expected, table);
          const got = guest.audit.slice(before).at(-1);
          expect(got, context).toMatchObject({ allowed: want.allowed, reason: want.reason, op: want.op, host: want.host });
          executed[kind][want.allowed ? "allowed" : "denied"]++;
          if (!want.allowed) {
            expect(result, context).toMatchObject({ ok: false, error: kind === "resolve" ? "permanent-resolver-failure" : "access-denied" });
          } else if (op.kind === "connect") {
            expect(result, context).toMatchObject({ ok: false, stage: "connect", error: "connection-refused" }); // reached the OS
          } else if (kind === "send") {
            expect(result, context).toMatchObject({ ok: true, sent: 1 });
          } else if (kind !== "resolve") {
            expect(result, context).toMatchObject({ ok: true });
          } else if (!want.family) {
            expect(result.ok, context).toBe(true);
          }
          // Keep the reference's table in step with the guest's lookups.
          if (op.kind === "resolve" && result.ok) table.record(want.host, result.addresses?.map((a) => (a === "0:0:0:0:0:0:0:1" ? "::1" : a)) ?? []);
        }
      }),
      { numRuns: 100, seed: 4242 },
    );
    console.log(`property.test.ts: ${runs} runs, executed ${JSON.stringify(executed)}, ${off} with the protocol switched off`);
    // Every kind really ran both ways through the guest.
    for (const [kind, n] of Object.entries(executed)) {
      expect(n.allowed, `${kind} allowed`).toBeGreaterThanOrEqual(5);
      expect(n.denied, `${kind} denied`).toBeGreaterThanOrEqual(5);
    }
  }, 300_000);
});
