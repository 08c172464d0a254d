import { describe, expect, it } from "vitest";
import { runCli, spawnCli } from "./run-cli.js";

describe("netperm check", () => {
  it("allows the seed's first line and prints the decision object with --json (exit 0)", async () => {
    const r = await spawnCli(["check", "--allow-outbound=tcp://example.com:80", "connect", "tcp://example.com:80", "--json"]);
    expect(r.code).toBe(0);
    const decision = JSON.parse(r.stdout);
    expect(decision).toMatchObject({
      allowed: true,
      op: "connect",
      protocol: "tcp",
      host: "example.com",
      port: 80,
      reason: "allowed",
      rule: { flag: "--allow-outbound=tcp://example.com:80", index: 0, source: "flags" },
    });
  });

  it("denies another port of the same name with exit 1 and reason no-rule", async () => {
    const r = await runCli(["check", "--allow-outbound=tcp://example.com:80", "connect", "tcp://example.com:81", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ allowed: false, reason: "no-rule", port: 81 });
  });

  it("lets a deny rule win whatever the order, naming the deny rule", async () => {
    const r = await runCli([
      "check",
      "--deny-outbound=tcp://10.0.0.0/8",
      "--allow-outbound=tcp://*:*",
      "connect",
      "tcp://10.1.2.3:443",
      "--json",
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ allowed: false, reason: "denied-by-rule", rule: { index: 0 } });
  });

  it("decides every spelling of 127.0.0.1 alike", async () => {
    for (const spelling of ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "[::ffff:127.0.0.1]"]) {
      const r = await runCli(["check", "--allow-outbound=tcp://127.0.0.1:80", "connect", `tcp://${spelling}:80`, "--json"]);
      expect({ spelling, code: r.code, host: JSON.parse(r.stdout).host }).toEqual({ spelling, code: 0, host: "127.0.0.1" });
    }
  });

  it("prints a human line on stderr without --json", async () => {
    const r = await runCli(["check", "--allow-resolve=*.example.com", "resolve", "example.com"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^denied: resolve example\.com/);
  });

  it("reports a policy error with its code and caret frame, exit 2", async () => {
    const r = await spawnCli(["check", "--allow-outbound=tcp://*:35999-35000", "connect", "tcp://1.2.3.4:80"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("NETPERM_PORT_RANGE");
    expect(r.stderr).toContain("--allow-outbound=tcp://*:35999-35000\n");
    expect(r.stderr).toMatch(/\n {27}\^{11}/);
  });

  it("rejects an unknown operation and a missing target with exit 2", async () => {
    expect((await runCli(["check", "--allow-outbound=tcp://*:*", "open", "tcp://a.b:1"])).code).toBe(2);
    expect((await runCli(["check", "--allow-outbound=tcp://*:*", "connect"])).code).toBe(2);
    expect((await runCli(["check", "connect", "tcp://[::1:80"])).code).toBe(2);
    const unknown = await runCli(["check", "--allow-everything", "connect", "tcp://a.b:1"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("NETPERM_USAGE");
  });

  it("reads a JSON policy document with --policy", async () => {
    const r = await runCli(["check", "--policy", "../../examples/policy.json", "connect", "tcp://db.internal:5432", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ allowed: true, rule: { source: "../../examples/policy.json" } });
  });
});

describe("netperm", () => {
  it("prints its version and help", async () => {
    expect((await runCli(["--version"])).stdout).toMatch(/^netperm \d+\.\d+\.\d+/);
    const help = await runCli(["check", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: netperm check");
    expect(help.stdout).toContain("--allow-outbound=tcp://example.com:80");
  });

  it("exits 2 for an unknown command", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});
