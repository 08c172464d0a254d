import { describe, expect, it } from "vitest";
import { describeWhere } from "@netperm/testkit";
import { exportFlags, expectForm, FORMS } from "../test/forms.js";
import { nftCheck, nftChecks } from "../test/nft-check.js";

const rules = (text: string) => text.split("\n").map((l) => l.trim()).filter((l) => / (accept|drop)$/.test(l) && !l.startsWith("ct state") && !l.startsWith("icmpv6"));

describe("export --format nftables", () => {
  for (const form of FORMS) {
    it(`${form.nftables === "kept" ? "expresses" : "warns about and leaves out"} ${form.flag}`, () => {
      const { result } = exportFlags([form.flag], "nftables");
      expectForm(form, "nftables", result);
      if (form.nftables === "warned") expect(rules(result.text)).toEqual([]);
    });
  }

  it("drops by default in both chains and writes deny rules before allow rules", () => {
    const { result } = exportFlags(["--allow-outbound=tcp://10.0.0.0/8:*", "--deny-outbound=tcp://10.1.2.3:22"], "nftables");
    expect(result.text.match(/policy drop;/g)).toHaveLength(2);
    expect(rules(result.text)).toEqual([
      "ip daddr @deny_out_tcp_4_0 tcp dport @deny_out_tcp_4_0_ports drop",
      "ip daddr @allow_out_tcp_4_0 tcp dport @allow_out_tcp_4_0_ports accept",
    ]);
    expect(result.text).toContain("set deny_out_tcp_4_0 { type ipv4_addr; flags interval; elements = { 10.1.2.3/32 } }");
    expect(result.text).toContain("set allow_out_tcp_4_0_ports { type inet_service; flags interval; elements = { 1-65535 } }");
  });

  it("shares one address set among rules with the same ports, merging contained blocks", () => {
    const { result } = exportFlags(["--allow-outbound=tcp://10.0.0.0/8:443", "--allow-outbound=tcp://10.1.0.0/16:443", "--allow-outbound=tcp://192.168.0.1:443"], "nftables");
    expect(result.text).toContain("elements = { 10.0.0.0/8, 192.168.0.1/32 }");
    expect(rules(result.text)).toHaveLength(1);
  });

  it("states its loopback handling in a comment", () => {
    expect(exportFlags([], "nftables").result.text).toMatch(/^# Loopback is not exempt/m);
  });
});

describeWhere([nftChecks], "nft --check accepts the export", () => {
  for (const form of FORMS) {
    it(`accepts the export of ${form.flag}`, () => {
      expect(nftCheck(exportFlags([form.flag], "nftables").result.text)).toEqual({ status: 0, stderr: "" });
    });
  }

  it("nft --check accepts the whole grammar at once, and rejects a broken ruleset", () => {
    const { result } = exportFlags([...FORMS.map((f) => f.flag), "--deny-outbound=tcp://10.1.0.0/16:5432", "--deny-inbound=udp://[::1]:*"], "nftables");
    expect(nftCheck(result.text)).toEqual({ status: 0, stderr: "" });
    expect(nftCheck(result.text.replace("policy drop;", "policy dorp;")).status).not.toBe(0);
  });

  it("accepts one address set shared among rules", () => {
    const { result } = exportFlags(["--allow-outbound=tcp://10.0.0.0/8:443", "--allow-outbound=tcp://10.1.0.0/16:443", "--allow-outbound=tcp://192.168.0.1:443"], "nftables");
    expect(nftCheck(result.text)).toEqual({ status: 0, stderr: "" });
  });
});
