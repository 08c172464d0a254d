/**
 * docs/design.md, Testing: random policies and random guest socket operations; the
 * guarded host must decide every one exactly as `compile(policy).decide`
 * does (allowed or not, and the reason), and a denied operation must fail in
 * the guest with `access-denied` / `permanent-resolver-failure`. One guest
 * instance per policy; denied operations touch no socket, and allowed
 * connects go to a loopback port nothing listens on, so nothing leaves.
 */
import fc from "fast-check";
import { compile, parsePolicy, ResolutionTable, type Operation } from "@netperm/core";
import { describe, expect, it } from "vitest";
import { netops } from "./helpers/guest.js";
import { freePort } from "./helpers/peers.js";

const PORTS = [1, 53, 80, 443, 5432] as const;
const ADDRESSES = ["127.0.0.1", "127.0.0.2", "127.0.0.1", "10.0.0.1", "::1", "192.0.2.7"] as const;
const NAMES = ["db.test", "api.example.com", "example.com", "localhost"] as const;

const host = fc.constantFrom("*", "127.0.0.1", "127.0.0.0/8", "10.0.0.0/8", "[::1]", "localhost", "db.test", "*.example.com", "example.com");
const ports = fc.constantFrom("*", "80", "443", "1,53", "1-100", "5432");
const family = fc.constantFrom("", "#ipv4-only", "#ipv6-only");
const rule = fc.oneof(
  fc.tuple(fc.constantFrom("allow", "allow", "allow", "deny"), fc.constantFrom("outbound", "inbound"), fc.constantFrom("tcp", "udp"), host, ports, family).map(
    ([effect, dir, proto, h, p, f]) => `--${effect}-${dir}=${proto}://${h}:${p}${f}`,
  ),
  fc.tuple(fc.constantFrom("allow", "allow", "deny"), fc.constantFrom("*", "db.test", "*.example.com", "example.com", "localhost"), family).map(
    ([effect, name, f]) => `--${effect}-resolve=${name}${f}`,
  ),
  fc.constantFrom("--allow-resolve=db.test->127.0.0.1", "--allow-resolve=api.example.com->10.0.0.1"),
);

type GuestOp =
  | { kind: "connect"; protocol: "tcp"; address: string; port: number }
  | { kind: "bind"; protocol: "tcp" | "udp"; address: string; port: number }
  | { kind: "send"; address: string; port: number }
  | { kind: "resolve"; name: string };

const guestOp: fc.Arbitrary<GuestOp> = fc.oneof(
  fc.record({ kind: fc.constant("connect" as const), protocol: fc.constant("tcp" as const), address: fc.constantFrom(...ADDRESSES), port: fc.constantFrom(...PORTS) }),
  fc.record({ kind: fc.constant("bind" as const), protocol: fc.constantFrom("tcp" as const, "udp" as const), address: fc.constantFrom("127.0.0.1", "::1", "10.0.0.1"), port: fc.constantFrom(0, 80) }),
  fc.record({ kind: fc.constant("send" as const), address: fc.constantFrom(...ADDRESSES), port: fc.constantFrom(...PORTS) }),
  fc.record({ kind: fc.constant("resolve" as const), name: fc.constantFrom(...NAMES) }),
);

function text(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

describe("the guarded host decides as @netperm/core", () => {
  it("for random policies and random guest operations", async () => {
    const closed = await freePort(); // allowed loopback connects go here: refused, nothing leaves
    const executed = { allowed: 0, denied: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(rule, { minLength: 0, maxLength: 6 }), fc.array(guestOp, { minLength: 1, maxLength: 8 }), async (flags, ops) => {
        let policy;
        try {
          policy = parsePolicy(flags);
        } catch {
          return; // a policy core refuses (e.g. a family that contradicts the host) is not a host question
        }
        const guest = await netops(policy);
        const reference = compile(policy);
        const table = new ResolutionTable();
        for (const op of ops) {
          let expected: Operation;
          let result;
          const before = guest.audit.length;
          if (op.kind === "resolve") {
            expected = { op: "resolve", host: op.name };
            const decision = reference.decide(expected, table);
            // Real DNS only for localhost: an allowed lookup of another unmapped name would leave the machine.
            if (decision.allowed && !decision.mapped?.addresses && op.name !== "localhost") continue;
            result = guest.exec({ op: "resolve", name: op.name });
          } else if (op.kind === "connect") {
            // A real connect may only go to loopback: ask only where loopback is the target.
            const port = op.address.startsWith("127.") || op.address === "::1" ? closed : op.port;
            expected = { op: "connect", protocol: "tcp", host: op.address, port };
            const decision = reference.decide(expected, table);
            if (decision.allowed && !(op.address.startsWith("127.") || op.address === "::1")) continue;
            if (decision.allowed && decision.mapped) continue; // mapped targets are covered by the seed tests
            result = guest.exec({ op: "tcpConnect", to: text(op.address, port) });
          } else if (op.kind === "bind") {
            expected = { op: "bind", protocol: op.protocol, host: op.address, port: op.port };
            const decision = reference.decide(expected, table);
            if (decision.allowed && (op.address === "10.0.0.1" || decision.mapped || op.port !== 0)) continue; // real binds: loopback, port 0 only
            result = op.protocol === "tcp" ? guest.exec({ op: "tcpListen", at: text(op.address, op.port) }) : guest.exec({ op: "udpBind", at: text(op.address, op.port) });
          } else {
            expected = { op: "send", protocol: "udp", host: op.address, port: op.port };
            // The guest must first bind a udp socket, which is its own decision: mirror it in the reference.
            const bindOp: Operation = { op: "bind", protocol: "udp", host: op.address.includes(":") ? "::1" : "127.0.0.1", port: 0 };
            const bindDecision = reference.decide(bindOp, table);
            if (!bindDecision.allowed || bindDecision.mapped) continue;
            const decision = reference.decide(expected, table);
            if (decision.allowed) continue; // an allowed datagram would leave the host: only denials are sent for real
            const bound = guest.exec({ op: "udpBind", at: text(bindOp.host, 0) });
            expect(bound.ok).toBe(true);
            result = guest.exec({ op: "udpSend", id: bound.id, to: text(op.address, op.port), send: "p" });
          }
          const want = reference.decide(expected, table);
          const got = guest.audit.slice(before).at(-1);
          expect(got, JSON.stringify({ flags, op })).toMatchObject({ allowed: want.allowed, reason: want.reason, op: want.op, host: want.host });
          executed[want.allowed ? "allowed" : "denied"]++;
          if (!want.allowed) {
            expect(result.ok).toBe(false);
            expect(result.error).toBe(op.kind === "resolve" ? "permanent-resolver-failure" : "access-denied");
          }
          // Keep the reference's table in step with the guest's lookups.
          if (op.kind === "resolve" && result.ok) table.record(want.host, result.addresses?.map((a) => (a === "0:0:0:0:0:0:0:1" ? "::1" : a)) ?? []);
        }
      }),
      { numRuns: 60, seed: 4242 },
    );
    // The generators must really exercise both outcomes through the guest.
    expect(executed.allowed).toBeGreaterThan(10);
    expect(executed.denied).toBeGreaterThan(10);
  }, 300_000);
});
