import { describe, expect, it } from "vitest";
import { runCli, spawnCli } from "./run-cli.js";

describe("netperm export", () => {
  it("writes a k8s NetworkPolicy on stdout with the selector, exit 0", async () => {
    const r = await spawnCli(["export", "--format", "k8s", "--allow-outbound=tcp://10.0.0.0/8:5432", "--selector", "app=web"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("kind: NetworkPolicy\n");
    expect(r.stdout).toContain("  podSelector:\n    matchLabels:\n      app: web\n");
    expect(r.stdout).toContain(
      ["  egress:", "    - to:", "        - ipBlock:", "            cidr: 10.0.0.0/8", "      ports:", "        - protocol: TCP", "          port: 5432", ""].join("\n"),
    );
    expect(r.stderr).toBe("");
  });

  it("warns on stderr for a name k8s cannot express and leaves it out of stdout", async () => {
    const r = await runCli(["export", "--format=k8s", "--allow-outbound=tcp://example.com:443"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  egress: []\n");
    expect(r.stdout).not.toContain("example.com");
    expect(r.stderr).toMatch(/^warning: --allow-outbound=tcp:\/\/example\.com:443: names cannot be expressed/);
  });

  it("writes an nft ruleset for --format nftables", async () => {
    const r = await runCli(["export", "--format=nftables", "--allow-inbound=tcp://*:8080", "--name", "web"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("table inet web {");
    expect(r.stdout).toMatch(/meta nfproto ipv4 tcp dport @allow_in_tcp_4_0_ports accept/);
  });

  it("writes a CiliumNetworkPolicy with toFQDNs and the DNS rule", async () => {
    const r = await runCli(["export", "--format=cilium", "--allow-outbound=tcp://*.example.com:443"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(["          rules:", "            dns:", '              - matchPattern: "**.example.com"', ""].join("\n"));
    expect(r.stdout).toContain(["    - toFQDNs:", '        - matchPattern: "**.example.com"', "      toPorts:", "        - ports:", '            - port: "443"', "              protocol: TCP", ""].join("\n"));
  });

  it("exits 2 without --format or with an unknown one", async () => {
    const none = await runCli(["export", "--allow-outbound=tcp://*:80"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("export needs --format");
    const bad = await runCli(["export", "--format=iptables"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown format 'iptables'");
    expect(bad.stdout).toBe("");
  });

  it("exits 2 on a bad selector, a selector for nftables, or a policy error", async () => {
    expect((await runCli(["export", "--format=k8s", "--selector", "noequals"])).code).toBe(2);
    const nft = await runCli(["export", "--format=nftables", "--selector", "app=web"]);
    expect(nft.code).toBe(2);
    expect(nft.stderr).toContain("NETPERM_ARGUMENT");
    const policy = await runCli(["export", "--format=k8s", "--allow-outbound=tcp://*:35999-35000"]);
    expect(policy.code).toBe(2);
    expect(policy.stderr).toContain("NETPERM_PORT_RANGE");
    expect(policy.stdout).toBe("");
  });
});
