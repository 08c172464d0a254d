import { describe, expect, it } from "vitest";
import { explain } from "./explain.js";
import { parsePolicy } from "../grammar/parse.js";
import { ResolutionTable } from "../matcher/resolution-table.js";

describe("explain", () => {
  it("weighs every rule in policy order and says why the apex is not matched", () => {
    const policy = parsePolicy(["--allow-outbound=tcp://*:80", "--allow-resolve=*.example.com"]);
    const { decision, steps } = explain(policy, { op: "resolve", host: "Example.COM." });
    expect(decision).toMatchObject({ allowed: false, reason: "no-rule", host: "example.com" });
    expect(steps.map((s) => s.status)).toEqual(["other-kind", "no-match"]);
    expect(steps[1]!.why.join(" ")).toContain("does not match the apex");
  });

  it("shows the deny that won next to the allow that matched", () => {
    const policy = parsePolicy(["--allow-outbound=tcp://*:*", "--deny-outbound=tcp://10.0.0.0/8"]);
    const { decision, steps } = explain(policy, { op: "connect", protocol: "tcp", host: "10.1.2.3", port: 443 });
    expect(decision).toMatchObject({ allowed: false, reason: "denied-by-rule", rule: { index: 1 } });
    expect(steps.map((s) => [s.effect, s.status])).toEqual([
      ["allow", "matched"],
      ["deny", "matched"],
    ]);
    expect(steps[1]!.why).toContain("10.1.2.3 is in 10.0.0.0/8");
  });

  it("explains ports against intervals and families", () => {
    const policy = parsePolicy(["--allow-outbound=tcp://*:21,35000-35999#ipv4-only"]);
    const v6 = explain(policy, { op: "connect", protocol: "tcp", host: "[2001:db8::1]", port: 35500 });
    expect(v6.decision.allowed).toBe(false);
    expect(v6.steps[0]!.why).toEqual(expect.arrayContaining(["#ipv4-only excludes ipv6", "port 35500 is in 21,35000-35999"]));
    const v4 = explain(policy, { op: "connect", protocol: "tcp", host: "192.0.2.1", port: 36000 });
    expect(v4.steps[0]).toMatchObject({ status: "no-match", why: expect.arrayContaining(["port 36000 is not in 21,35000-35999"]) });
  });

  it("matches an address to a name rule only through the resolution table", () => {
    const policy = parsePolicy(["--allow-outbound=tcp://example.com:80"]);
    const op = { op: "connect", protocol: "tcp", host: "127.0.0.7", port: 80 } as const;
    const cold = explain(policy, op);
    expect(cold.decision.allowed).toBe(false);
    expect(cold.steps[0]!.why[0]).toContain("no lookup in this session resolved a name to 127.0.0.7");
    const table = new ResolutionTable();
    table.record("example.com", ["127.0.0.7"]);
    const warm = explain(policy, op, { table });
    expect(warm.decision.allowed).toBe(true);
    expect(warm.steps[0]).toMatchObject({ status: "matched" });
  });

  it("names the implied resolve grant of an outbound name rule", () => {
    const { decision, steps } = explain(parsePolicy(["--allow-outbound=tcp://db.internal:5432"]), { op: "resolve", host: "db.internal" });
    expect(decision.allowed).toBe(true);
    expect(steps[0]).toMatchObject({ status: "matched", implied: true });
  });

  it("agrees with the decision on which rules can decide", () => {
    const policy = parsePolicy(["--allow-outbound=udp://...", "--allow-outbound=tcp://*.example.com:443", "--deny-outbound=tcp://evil.example.com"]);
    for (const host of ["www.example.com", "evil.example.com", "example.com"]) {
      const { decision, steps } = explain(policy, { op: "connect", protocol: "tcp", host, port: 443 });
      const matched = steps.filter((s) => s.status === "matched");
      const deny = matched.find((s) => s.effect === "deny");
      const allow = matched.find((s) => s.effect === "allow");
      expect(decision.allowed).toBe(deny === undefined && allow !== undefined);
      if (decision.rule) expect(matched.map((s) => s.rule.index)).toContain(decision.rule.index);
    }
  });
});
