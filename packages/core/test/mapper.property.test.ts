/**
 * Mapping then un-mapping gives the guest's view back: for every endpoint a
 * mapping moves, `toGuest(toHost(e))` is `e` again (in canonical spelling),
 * on random policies whose mappings do not send two guest ports to one host
 * port (where the inverse could not be unique).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readAddress } from "../src/matcher/lookup-key.js";
import { createMapper, type MapDirection } from "../src/matcher/mapper.js";
import { parseRule } from "../src/grammar/parse.js";
import type { Policy, Protocol, Rule } from "../src/types.js";
import { flagArb } from "./arbitraries.js";
import { addressTextArb, vocabularyOf } from "./operation-arbitraries.js";

/** Keeps the mapping rules whose host-side port ranges meet no earlier kept rule's of the same kind. */
function disjointMappings(rules: Rule[]): Policy {
  const kept: Rule[] = [];
  for (const r of rules) {
    const to = r.map?.port?.to;
    const clash = kept.some((k) => {
      const other = k.map?.port?.to;
      return k.direction === r.direction && k.protocol === r.protocol && to !== undefined && other !== undefined && to.from <= other.to && other.from <= to.to;
    });
    if (!clash) kept.push(r);
  }
  return { rules: kept.map((r, index) => ({ ...r, source: { ...r.source, index } })) };
}

const mappingRule = flagArb
  .filter(({ kind }) => kind === "allow-outbound" || kind === "allow-inbound")
  .map(({ kind, value }) => parseRule(kind, value))
  .filter((r) => r.map !== undefined);

/** Addresses a guest may hold under a rule: its mapped address, or addresses its host covers (or nearly). */
function guestHosts(rule: Rule, fallback: readonly string[]): string[] {
  const mapped = (rule.map?.addresses ?? []).map((a) => a.text);
  if (mapped.length > 0) return mapped;
  const h = rule.host;
  if (h.kind === "localhost") return ["127.0.0.1", "127.1.2.3", "::1"];
  if (h.kind === "cidr") return [h.address, ...fallback.slice(0, 4)];
  return [...fallback];
}

const scenario = fc.array(mappingRule, { minLength: 1, maxLength: 8 }).chain((rules) => {
  const policy = disjointMappings(rules);
  const v = vocabularyOf(policy);
  const random = fc.record({
    direction: fc.constantFrom<MapDirection>("outbound", "inbound"),
    protocol: fc.constantFrom<Protocol>("tcp", "udp"),
    host: addressTextArb(v),
    port: fc.integer({ min: 0, max: 65535 }),
  });
  const aimed = fc.constantFrom(...policy.rules).chain((r) => {
    const m = r.map?.port;
    const ports = m === undefined ? (r.ports === "*" ? [80] : r.ports.map((p) => p.from)) : [m.from.from, m.from.to, Math.floor((m.from.from + m.from.to) / 2)];
    return fc.record({
      direction: fc.constant(r.direction as MapDirection),
      protocol: fc.constant(r.protocol!),
      host: fc.constantFrom(...guestHosts(r, v.addresses)),
      port: fc.constantFrom(...ports),
    });
  });
  return fc.record({ policy: fc.constant(policy), endpoints: fc.array(fc.oneof(random, aimed, aimed), { minLength: 1, maxLength: 20 }) });
});

const canonical = (host: string) => readAddress(host)?.text ?? host;

describe("mapper", () => {
  it("un-maps what it maps", () => {
    let moved = 0;
    fc.assert(
      fc.property(scenario, ({ policy, endpoints }) => {
        const m = createMapper(policy);
        for (const e of endpoints) {
          const guest = { host: e.host, port: e.port };
          const host = m.toHost(e.direction, e.protocol, guest);
          if (host.port === guest.port && canonical(host.host) === canonical(guest.host)) continue;
          moved++;
          const back = m.toGuest(e.direction, e.protocol, host);
          expect({ host: canonical(back.host), port: back.port }).toEqual({ host: canonical(guest.host), port: guest.port });
        }
      }),
      { seed: 71, numRuns: 400 },
    );
    // The property is only worth something if mappings applied often enough.
    expect(moved).toBeGreaterThan(200);
  });
});
