/**
 * docs/design.md, Testing, across packages: random policies and random requests (SOCKS5
 * by domain and by address, HTTP forward, HTTP CONNECT; names mapped to
 * loopback by the injected resolver) are decided by the proxy exactly as
 * `compile(policy).decide` decides them, and an allowed request reaches
 * one of the answers that passed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:net";
import fc from "fast-check";
import { canonicalName, checkPolicy, compile, decisionValue, parseIp, ResolutionTable, type Decision } from "@netperm/core";
import { createProxy, type DecisionEvent } from "../src/index.js";
import { dial, readN } from "./helpers.js";
import { socksRequest } from "./socks-client.js";

const ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4"] as const;
const NAMES = ["a.example", "b.example", "x.a.example", "c.test", "unknown.example"] as const;
let port = 0;
const servers: Server[] = [];
const hits = new Map<string, number>();

beforeAll(async () => {
  // One listener per address, all on the same port.
  for (let attempt = 0; attempt < 20 && servers.length < ADDRESSES.length; attempt++) {
    for (const s of servers.splice(0)) s.close();
    try {
      for (const host of ADDRESSES) {
        const server = createServer((sock) => {
          hits.set(host, (hits.get(host) ?? 0) + 1);
          sock.on("error", () => undefined);
          sock.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
        });
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen({ host, port: servers.length === 0 ? 0 : port }, () => resolve());
        });
        if (servers.length === 0) {
          const a = server.address();
          port = typeof a === "object" && a !== null ? a.port : 0;
        }
        servers.push(server);
      }
    } catch {
      // The port was taken on another address: try a new one.
    }
  }
  expect(servers).toHaveLength(ADDRESSES.length);
});
afterAll(() => {
  for (const s of servers) s.close();
});

const allowHostArb = fc.constantFrom("*", "localhost", "a.example", "*.a.example", "b.example", "c.test", "127.0.0.2", "127.0.0.0/8", "10.0.0.0/8", "[::1]");
const denyHostArb = fc.constantFrom("127.0.0.2", "127.0.0.3", "127.0.0.0/8", "127.0.0.2/31", "localhost", "b.example", "*.a.example");
const portsArb = fc.constantFrom("", "", ":PORT", ":1", ":*", ":1-PORT", ":1,PORT");
const familyArb = fc.constantFrom("", "", "", "", "#ipv4-only", "#ipv6-only");
const ruleArb = fc.oneof(
  fc.tuple(allowHostArb, portsArb, familyArb).map(([host, ports, family]) => `--allow-outbound=tcp://${host}${ports}${family}`),
  fc.tuple(denyHostArb, portsArb, familyArb).map(([host, ports, family]) => `--deny-outbound=tcp://${host}${ports}${family}`),
);
const resolveRuleArb = fc.constantFrom("--deny-resolve=a.example", "--allow-resolve=c.test->127.0.0.4", "--deny-resolve=*.a.example");
const policyArb = fc.tuple(fc.array(ruleArb, { minLength: 1, maxLength: 5 }), fc.array(resolveRuleArb, { maxLength: 1 })).map(([a, b]) => [...a, ...b]);
const answersArb = fc.record(
  Object.fromEntries(NAMES.filter((n) => n !== "unknown.example").map((n) => [n, fc.subarray([...ADDRESSES], { minLength: 1, maxLength: 2 })])),
) as fc.Arbitrary<Record<string, string[]>>;
const requestArb = fc.record({
  front: fc.constantFrom("socks", "http", "connect"),
  host: fc.oneof(fc.constantFrom(...NAMES), fc.constantFrom(...ADDRESSES), fc.constantFrom("A.EXAMPLE.", "2130706434", "127.3")),
  port: fc.constantFrom("PORT", "1"),
});

type Verdict = "allow" | "deny" | "unresolved";
const kinds = new Set<string>();
let answerDenials = 0;

/** The reference: core's decisions, composed as docs/design.md, Decisions describes, with the table kept alongside. */
function expected(decide: ReturnType<typeof compile>["decide"], table: ResolutionTable, answers: Record<string, string[]>, host: string, p: number): { verdict: Verdict; decision: Decision; reach: string[] } {
  const first = decide({ op: "connect", protocol: "tcp", host, port: p }, table);
  if (!first.allowed) return { verdict: "deny", decision: first, reach: [] };
  const ip = parseIp(host);
  if (ip !== undefined) return { verdict: "allow", decision: first, reach: [first.mapped?.host ?? ip.text] };
  const name = canonicalName(host);
  const r = decide({ op: "resolve", host: name }, table);
  if (!r.allowed && r.reason === "denied-by-rule") return { verdict: "deny", decision: r, reach: [] };
  const list = r.allowed && r.mapped?.addresses !== undefined ? [...r.mapped.addresses] : answers[name];
  const usable = (list ?? []).filter((a) => first.family === undefined || parseIp(a)?.family === first.family);
  if (usable.length === 0) return { verdict: "unresolved", decision: first, reach: [] };
  table.record(name, usable);
  const each = usable.map((a) => ({ a, d: decide({ op: "connect", protocol: "tcp", host: a, port: p, via: name }, table) }));
  const passing = each.filter((x) => x.d.allowed);
  if (passing.length === 0) {
    answerDenials += 1;
    return { verdict: "deny", decision: each[0]!.d, reach: [] };
  }
  return { verdict: "allow", decision: first, reach: passing.map((x) => x.d.mapped?.host ?? x.a) };
}

async function observe(front: string, proxyPort: number, host: string, p: number): Promise<Verdict | "allow-refused"> {
  if (front === "socks") {
    const { socket, rep } = await socksRequest(proxyPort, 1, parseIp(host) !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(host) ? "ipv4" : "domain", host, p);
    if (rep === 0) await readN(socket, 2);
    socket.destroy();
    return rep === 0 ? "allow" : rep === 2 ? "deny" : rep === 4 ? "unresolved" : rep === 5 ? "allow-refused" : (`rep ${rep}` as Verdict);
  }
  const s = await dial(proxyPort);
  s.write(front === "http" ? `GET http://${host}:${p}/ HTTP/1.1\r\nHost: x\r\n\r\n` : `CONNECT ${host}:${p} HTTP/1.1\r\nHost: x\r\n\r\n`);
  // Read past the proxy's own answer so an allowed request is seen by the target first.
  const text = (await readN(s, front === "connect" ? 41 : 12)).toString();
  const status = text.slice(9, 12);
  s.destroy();
  if (status === "403") return "deny";
  if (status === "502") return "unresolved-or-refused" as Verdict;
  return front === "connect" && status === "200" ? "allow" : (`status ${status}` as Verdict);
}

describe("the proxy decides as @netperm/core decides", () => {
  it("for random policies and requests over SOCKS5, HTTP forward and CONNECT", async () => {
    await fc.assert(
      fc.asyncProperty(policyArb, answersArb, fc.array(requestArb, { minLength: 1, maxLength: 6 }), async (flags, answers, requests) => {
        const checked = checkPolicy(flags.map((f) => f.replaceAll("PORT", String(port))));
        // Some combinations are parse errors (an IPv6 rule marked #ipv4-only): not policies.
        fc.pre(checked.ok);
        const policy = checked.value;
        const { decide } = compile(policy);
        const model = new ResolutionTable();
        const events: DecisionEvent[] = [];
        const proxy = await createProxy({
          policy,
          resolver: async (name) => {
            const a = answers[name];
            if (a === undefined) throw new Error("ENOTFOUND");
            return a;
          },
        });
        proxy.on("decision", (e) => events.push(e));
        try {
          for (const req of requests) {
            const p = req.port === "PORT" ? port : 1;
            const want = expected(decide, model, answers, req.host, p);
            kinds.add(`${want.verdict}:${want.decision.reason}`);
            const before = new Map(hits);
            const seen = events.length;
            const got = await observe(req.front, proxy.address.port, req.host, p);
            expect(events.length).toBe(seen + 1);
            const event = events[seen]!.decision;
            if (want.verdict !== "unresolved") expect(decisionValue(event)).toStrictEqual(decisionValue(want.decision));
            if (want.verdict === "allow") {
              if (p === port) {
                expect(got).toBe(req.front === "http" ? "status 200" : "allow");
                const reached = ADDRESSES.filter((a) => (hits.get(a) ?? 0) > (before.get(a) ?? 0));
                expect(reached.length).toBe(1);
                expect(want.reach).toContain(reached[0]);
              } else {
                expect(["allow-refused", "unresolved-or-refused"]).toContain(got);
              }
            } else if (want.verdict === "deny") {
              expect(got).toBe("deny");
              expect(ADDRESSES.every((a) => (hits.get(a) ?? 0) === (before.get(a) ?? 0))).toBe(true);
            } else {
              expect(["unresolved", "unresolved-or-refused"]).toContain(got);
              expect(event.reason).toBe("not-resolved");
            }
          }
        } finally {
          await proxy.close();
        }
      }),
      { numRuns: 60, seed: 20261123 },
    );
    // The generators reach every kind of outcome, including answers refused after the name passed.
    expect([...kinds].sort()).toEqual(expect.arrayContaining(["allow:allowed", "deny:denied-by-rule", "deny:no-rule", "deny:not-resolved", "unresolved:allowed"]));
    expect(answerDenials).toBeGreaterThan(0);
  }, 240_000);
});
