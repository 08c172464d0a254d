/**
 * The differential test against the stock host (issue #12): fast-check
 * generates scripts of wasi:sockets calls (helpers/socket-scripts.ts,
 * loopback only) that the netops guest runs step by step, printing each
 * result. Each script runs under the stock preview2-shim host and under the
 * guarded host, one instance of each for the whole file. With a policy that
 * allows everything every line must be the stock line (known differences,
 * where wasmtime is the reference: helpers/compare-lines.ts); under random
 * loopback policies every line is the stock line, or the denial exactly
 * where the reference decider of @netperm/testkit denies; after a refused
 * connect, each line on that socket is wasmtime's for its closed socket.
 *
 * Seeds: printed on every run; replay with NETPERM_WASI_SEED=<seed>.
 */
import fc from "fast-check";
import { parsePolicy, ResolutionTable, type Policy } from "@netperm/core";
import { beforeAll, describe, expect, it } from "vitest";
import { netops, stockNetops, type GuestResult } from "./helpers/guest.js";
import { compareLines, forStock, type Tally } from "./helpers/compare-lines.js";
import { script, stockSafe } from "./helpers/socket-scripts.js";
import { ALL, type Step } from "./helpers/wasmtime-programs.js";

const seed = Number(process.env["NETPERM_WASI_SEED"] ?? Date.now() % 2 ** 31);
console.log(`differential.test.ts: seed ${seed} (replay: NETPERM_WASI_SEED=${seed})`);

type Exec = (request: Record<string, unknown>) => GuestResult;
let stock: Exec;
let allowAll: Exec;

function lines(exec: Exec, steps: readonly Step[]): string[] {
  const r = exec({ op: "script", steps });
  expect(r.stage, JSON.stringify(r)).not.toBe("trap");
  return [...(r.results ?? [])];
}

function runStock(steps: readonly Step[]): string[] {
  const sent = forStock(steps);
  // Nothing the stock host runs may leave the machine: it has no guard.
  expect(stockSafe(sent), JSON.stringify(sent)).toBe(true);
  return lines(stock, sent);
}

const loopbackScript = script.filter(stockSafe);

beforeAll(async () => {
  stock = await stockNetops();
  allowAll = (await netops(ALL)).exec;
});

describe("differential: guarded vs stock host", () => {
  it("stockSafe refuses every script that could send beyond loopback under the stock host", () => {
    const udpOn = (addr: string): Step[] => [{ c: "udp", family: "ipv4" }, { c: "bind", s: 0, addr }, { c: "stream", s: 0, addr: null }];
    expect(stockSafe([...udpOn("127.0.0.1:0"), { c: "send", s: 0, addr: { local: 0 }, data: "x" }])).toBe(true);
    expect(stockSafe([...udpOn("127.0.0.1:0"), { c: "send", s: 0, addr: "224.0.0.1:9", data: "x" }])).toBe(false);
    expect(stockSafe([...udpOn("127.0.0.1:0"), { c: "stream", s: 0, addr: "255.255.255.255:9" }])).toBe(false);
    expect(stockSafe([...udpOn("127.0.0.1:0"), { c: "send", s: 0, addr: "[::7f00:1]:9", data: "x" }])).toBe(false);
    // A socket bound to a multicast group makes `{ local: k }` a multicast target, also through another socket's address.
    expect(stockSafe([...udpOn("224.0.0.1:0"), { c: "send", s: 0, addr: { local: 0 }, data: "x" }])).toBe(false);
    expect(stockSafe([...udpOn("224.0.0.1:0"), { c: "udp", family: "ipv4" }, { c: "bind", s: 1, addr: { local: 0 } }, { c: "connect", s: 1, addr: { local: 1 } }])).toBe(false);
    fc.assert(fc.property(loopbackScript, (steps) => stockSafe(forStock(steps))), { numRuns: 500, seed });
  });

  it("allow-everything: every printed result is the stock host's", () => {
    const tally: Tally = { identical: 0, denied: 0, knownDifferences: 0, skipped: 0, refusedModel: 0 };
    fc.assert(
      fc.property(loopbackScript, (steps) => {
        const mismatch = compareLines(steps, runStock(steps), lines(allowAll, steps), tally);
        expect(mismatch, `seed ${seed}`).toBeUndefined();
      }),
      { numRuns: 150, seed },
    );
    console.log(`allow-everything: ${JSON.stringify(tally)}`);
    expect(tally.identical).toBeGreaterThan(800);
  }, 120_000);

  // Mostly wide allows, so that scripts get far (a denied bind or connect ends the comparison for that socket).
  const host = fc.constantFrom("*", "*", "*", "127.0.0.1", "127.0.0.0/8", "[::1]", "localhost", "127.0.0.2", "0.0.0.0");
  const ports = fc.constantFrom("*", "*", "0", "9", "1024-65535", "1-1023");
  const family = fc.constantFrom("", "", "#ipv4-only", "#ipv6-only");
  const rule = fc.oneof(
    fc.tuple(fc.constantFrom("allow", "allow", "allow", "deny"), fc.constantFrom("outbound", "inbound"), fc.constantFrom("tcp", "udp"), host, ports, family).map(
      ([effect, dir, proto, h, p, f]) => `--${effect}-${dir}=${proto}://${h}:${p}${f}`,
    ),
    fc.tuple(fc.constantFrom("allow", "deny"), fc.constantFrom("*", "localhost", "db.test"), family).map(([e, n, f]) => `--${e}-resolve=${n}${f}`),
  );
  // Every protocol and direction keeps one grant that no script uses, so calls are decided by the rules
  // (a protocol with no grant at all is no-grant.test.ts's subject).
  const BASE = ["--allow-inbound=tcp://127.0.0.9:7", "--allow-outbound=tcp://127.0.0.9:7", "--allow-inbound=udp://127.0.0.9:7", "--allow-outbound=udp://127.0.0.9:7", "--allow-resolve=never.test"];
  const policy: fc.Arbitrary<{ flags: string[]; parsed: Policy }> = fc
    .array(rule, { minLength: 1, maxLength: 8 })
    .map((flags) => {
      try {
        return { flags, parsed: parsePolicy([...BASE, ...flags]) };
      } catch {
        return undefined;
      }
    })
    .filter((p): p is { flags: string[]; parsed: Policy } => p !== undefined);

  it("random policies: each result is the stock host's, or the denial where the reference decider denies", async () => {
    const tally: Tally = { identical: 0, denied: 0, knownDifferences: 0, skipped: 0, refusedModel: 0 };
    await fc.assert(
      fc.asyncProperty(policy, fc.array(loopbackScript, { minLength: 4, maxLength: 4 }), async ({ flags, parsed }, scripts) => {
        const guest = await netops(parsed);
        const table = new ResolutionTable();
        for (const steps of scripts) {
          const mismatch = compareLines(steps, runStock(steps), lines(guest.exec, steps), tally, parsed, table);
          expect(mismatch, `seed ${seed}, policy ${JSON.stringify(flags)}`).toBeUndefined();
        }
      }),
      { numRuns: 30, seed },
    );
    console.log(`random policies: ${JSON.stringify(tally)}`);
    expect(tally.denied).toBeGreaterThan(30);
    expect(tally.identical).toBeGreaterThan(300);
  }, 180_000);

  it("refused connects: every later line on the socket is wasmtime's for Closed(access-denied)", async () => {
    // Every tcp connect in these scripts is refused (the one outbound tcp grant is for an address no script uses).
    const flags = [...BASE.filter((f) => !f.startsWith("--allow-outbound=tcp")), "--allow-outbound=tcp://127.0.0.9:7", "--allow-inbound=tcp://*:*", "--allow-inbound=udp://*:*", "--allow-outbound=udp://*:*", "--allow-resolve=*"];
    const parsed = parsePolicy(flags);
    const guest = await netops(parsed);
    const tally: Tally = { identical: 0, denied: 0, knownDifferences: 0, skipped: 0, refusedModel: 0 };
    fc.assert(
      fc.property(loopbackScript, (steps) => {
        const mismatch = compareLines(steps, runStock(steps), lines(guest.exec, steps), tally, parsed, new ResolutionTable());
        expect(mismatch, `seed ${seed}`).toBeUndefined();
      }),
      { numRuns: 150, seed },
    );
    console.log(`refused connects: ${JSON.stringify(tally)}`);
    expect(tally.refusedModel).toBeGreaterThan(50);
  }, 120_000);
});
