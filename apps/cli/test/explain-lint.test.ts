import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, spawnCli } from "./run-cli.js";

describe("netperm explain", () => {
  it("prints the decision, then every rule weighed with why", async () => {
    const r = await runCli(["explain", "--allow-outbound=tcp://*:*", "--deny-outbound=tcp://10.0.0.0/8", "--allow-resolve=*", "connect", "tcp://10.1.2.3:443"]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^denied: connect tcp:\/\/10\.1\.2\.3:443 by --deny-outbound=tcp:\/\/10\.0\.0\.0\/8/);
    expect(r.stdout).toContain("match #0 --allow-outbound=tcp://*:*");
    expect(r.stdout).toContain("deny  #1 --deny-outbound=tcp://10.0.0.0/8");
    expect(r.stdout).toContain("10.1.2.3 is in 10.0.0.0/8");
    expect(r.stdout).toContain("#2 --allow-resolve=*");
  });

  it("prints { decision, steps } with --json", async () => {
    const r = await runCli(["explain", "--allow-resolve=*.example.com", "resolve", "example.com", "--json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.decision).toMatchObject({ allowed: false, reason: "no-rule" });
    expect(out.steps[0]).toMatchObject({ status: "no-match", rule: { index: 0, origin: "flags" } });
  });

  it("says which source each rule came from", async () => {
    const dir = await mkdtemp(join(tmpdir(), "netperm-explain-"));
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "app", netperm: { allow: { outbound: ["tcp://api.example.com:443"] } } }));
    await writeFile(join(dir, "extra.json"), JSON.stringify({ deny: { outbound: ["tcp://*:25"] } }));
    const r = await runCli(["explain", "--policy", "extra.json", "--allow-outbound=udp://...", "connect", "tcp://api.example.com:443", "--json"], { cwd: dir });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.steps.map((s: { rule: { origin: string } }) => s.rule.origin)).toEqual(["package.json#netperm", "extra.json", "flags"]);
    expect(out.decision.rule).toMatchObject({ index: 0, source: "package.json#netperm" });
  });
});

describe("netperm lint", () => {
  it("exits 1 with a code, the flag, a caret under the host and a fix", async () => {
    const r = await runCli(["lint", "--allow-resolve=*.example.com"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("NETPERM_LINT_WILDCARD_APEX");
    expect(r.stdout).toContain(`  --allow-resolve=*.example.com\n${" ".repeat(18)}${"^".repeat(13)}\n`);
    expect(r.stdout).toContain("fix: add --allow-resolve=example.com");
  });

  it("exits 0 on a clean policy and 2 on a policy error", async () => {
    expect((await runCli(["lint", "--allow-outbound=tcp://example.com:443"])).code).toBe(0);
    const bad = await spawnCli(["lint", "--allow-outbound=tcp://*:65536"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("NETPERM_PORT");
  });

  it("finds an unknown interface on this host", async () => {
    const r = await runCli(["lint", "--allow-inbound=tcp://no-such-if0:80", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ code: "NETPERM_LINT_INTERFACE" })]);
  });
});

describe("netperm policy print", () => {
  it("prints the merged policy in canonical form", async () => {
    const r = await runCli(["policy", "print", "--allow-outbound=tcp://EXAMPLE.com.:080", "--allow-outbound=tcp://0x7f.1:*"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("--allow-outbound=tcp://example.com:80\n--allow-outbound=tcp://127.0.0.1\n");
  });

  it("prints a JSON document that reads back to the same policy", async () => {
    const dir = await mkdtemp(join(tmpdir(), "netperm-print-"));
    const flags = ["--allow-outbound=tcp://db->127.0.0.1:5432->5433", "--deny-resolve=*.ads.example", "--allow-inbound=tcp://*:80->8888"];
    const json = await runCli(["policy", "print", ...flags, "--json"], { cwd: dir });
    await writeFile(join(dir, "p.json"), json.stdout);
    const again = await runCli(["policy", "print", "--policy", "p.json"], { cwd: dir });
    const direct = await runCli(["policy", "print", ...flags], { cwd: dir });
    // The document groups rules by kind, so compare the rules, not their order.
    const sorted = (text: string) => text.split("\n").filter(Boolean).sort();
    expect(sorted(again.stdout)).toEqual(sorted(direct.stdout));
    expect(direct.stdout.split("\n").filter(Boolean)).toHaveLength(3);
  });
});
