/**
 * The nftables export in a real kernel: a throwaway network namespace
 * (test/kernel/namespace.ts) with TCP and UDP listeners on 10.88.0.1-3,
 * fd88::1-3, 127.0.0.1 and ::1, ports 5001-5003. For random policies the
 * export (`exportPolicy(policy, { format: "nftables" })`, what
 * `netperm export --format nftables` prints) is loaded with `nft -f` and
 * every target is probed in both directions with a real connect / datagram:
 * - never wider: a probe gets through only if netperm's decider allows it
 *   (any grammar: names, mappings, resolve rules, families);
 * - exact: for address and port rules without names, whatever netperm allows
 *   gets through too.
 * Seeds: printed on every run (`kernel property seed=...`); replay one with
 * NETPERM_KERNEL_SEED=<seed>.
 *
 * Checked to fail: with the exporter made wider (src/nftables.ts, the port set
 * of every accept rule written as `1-65535` instead of its ports), a run with
 * NETPERM_KERNEL_SEED=906703515 failed both tests: "never wider" shrank to
 * `--allow-outbound=tcp://*:5001,5003` + `--allow-outbound=tcp://a.test->10.88.0.1:5001->5002`
 * (tcp to port 5002 got through), "exact" to `--allow-outbound=tcp://*:5001-5002`
 * (5003 got through). Restored, both pass with the same seeds.
 */
import { compile, type FlagKind, type Operation, type Policy } from "@netperm/core";
import { describeWhere } from "@netperm/testkit";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { exportPolicy } from "../../src/index.js";
import { ALL_PROBES, namespaces, openNamespace, type Namespace, type Probe } from "./namespace.js";
import { validPolicy } from "../valid-policy.js";

const ADDRESS_HOSTS = ["*", "10.88.0.1", "10.88.0.2", "10.88.0.0/30", "10.88.0.2/31", "127.0.0.1", "[fd88::1]", "[fd88::]/126", "[fd88::2]/127", "[::1]", "..."];
const NAME_HOSTS = ["localhost", "a.test", "*.test", "lo"];
const PORTS = ["", ":*", ":5001", ":5002", ":5001-5002", ":5001,5003", ":5003", ":5002-6000"];
const FAMILIES = ["", "", "", "#ipv4-only", "#ipv6-only"];
const MAPPED = ["tcp://a.test->10.88.0.1:5001->5002", "udp://*:5001->5003", "tcp://b.test->[fd88::1]:5002"];

const socketKind = fc.constantFrom<FlagKind>("allow-outbound", "allow-inbound", "deny-outbound", "deny-inbound");
const socketFlag = (hosts: readonly string[]) =>
  fc.tuple(socketKind, fc.constantFrom("tcp", "udp"), fc.constantFrom(...hosts), fc.constantFrom(...PORTS), fc.constantFrom(...FAMILIES)).map(([k, p, h, ports, f]) => [k, `${p}://${h}${ports}${f}`] as const);
const anyFlag = fc.oneof(
  socketFlag([...ADDRESS_HOSTS, ...NAME_HOSTS]),
  fc.tuple(fc.constantFrom<FlagKind>("allow-outbound", "allow-inbound"), fc.constantFrom(...MAPPED)),
  fc.tuple(fc.constantFrom<FlagKind>("allow-resolve", "deny-resolve"), fc.constantFrom("*", "a.test", "localhost")),
);



const exactPolicies = fc.array(socketFlag(ADDRESS_HOSTS), { minLength: 1, maxLength: 6 }).map(validPolicy);
const anyPolicies = fc.array(anyFlag, { minLength: 1, maxLength: 8 }).map(validPolicy);

function operation(p: Probe): Operation {
  if (p.direction === "inbound") return { op: "bind", protocol: p.protocol, host: p.host, port: p.port };
  return p.protocol === "tcp" ? { op: "connect", protocol: "tcp", host: p.host, port: p.port } : { op: "send", protocol: "udp", host: p.host, port: p.port };
}

const INTERFACES = { interfaces: () => ({ lo: [{ address: "127.0.0.1" }, { address: "10.88.0.1" }, { address: "::1" }] }) };
const seed = process.env["NETPERM_KERNEL_SEED"] === undefined ? Date.now() % 2 ** 31 : Number(process.env["NETPERM_KERNEL_SEED"]);

describeWhere([namespaces], "the nftables export in a real kernel", () => {
  let ns: Namespace;
  beforeAll(async () => {
    ns = await openNamespace();
  });
  afterAll(() => ns?.close());

  /** Loads the export of `policy`; returns each probe with the kernel's and netperm's verdict. */
  async function observe(policy: Policy) {
    const { text } = exportPolicy(policy, { format: "nftables" });
    const reached = await ns.probe(text, ALL_PROBES);
    const compiled = compile(policy, INTERFACES);
    return ALL_PROBES.map((probe, i) => ({ probe, kernel: reached[i]!, netperm: compiled.decide(operation(probe)).allowed }));
  }
  const flags = (policy: Policy) => policy.rules.map((r) => r.source.flag);

  it("gets a probe through only if netperm allows it (random policies of the whole grammar)", async () => {
    let through = 0;
    console.log(`kernel property seed=${seed} (never wider, 30 policies x ${ALL_PROBES.length} probes)`);
    await fc.assert(
      fc.asyncProperty(anyPolicies, async (policy) => {
        const seen = await observe(policy);
        through += seen.filter((o) => o.kernel).length;
        const wider = seen.filter((o) => o.kernel && !o.netperm);
        expect({ policy: flags(policy), wider: wider.map((o) => o.probe) }).toEqual({ policy: flags(policy), wider: [] });
      }),
      { numRuns: 30, seed },
    );
    expect(through).toBeGreaterThan(0);
  }, 120_000);

  it("gets every probe netperm allows through, for address and port rules (exact)", async () => {
    let allowed = 0;
    console.log(`kernel property seed=${seed + 1} (exact, 30 policies x ${ALL_PROBES.length} probes)`);
    await fc.assert(
      fc.asyncProperty(exactPolicies, async (policy) => {
        const seen = await observe(policy);
        allowed += seen.filter((o) => o.netperm).length;
        const differ = seen.filter((o) => o.kernel !== o.netperm).map((o) => ({ ...o.probe, kernel: o.kernel, netperm: o.netperm }));
        expect({ policy: flags(policy), differ }).toEqual({ policy: flags(policy), differ: [] });
      }),
      { numRuns: 30, seed: seed + 1 },
    );
    expect(allowed).toBeGreaterThan(30);
  }, 120_000);
});
