import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { announcedPorts, helloDbOutput } from "./hello-db.js";
import { spawnCli } from "./run-cli.js";

const example = resolve(import.meta.dirname, "../../../examples/hello-db/hello-db.wasm");

describe("netperm run", () => {
  it("runs the hello-db example: mapped query allowed, everything else denied, one audit line per decision", async () => {
    const dir = await mkdtemp(join(tmpdir(), "netperm-run-"));
    // The example's denied connect aims at CLOSED: listen there, so a guard
    // that let it through would be seen (not merely refused by the kernel).
    let reached = 0;
    const trap = createServer((s) => {
      reached++;
      s.destroy();
    });
    await new Promise<void>((done, fail) => trap.once("error", fail).listen({ host: "127.0.0.1", port: 0 }, done));
    const closed = (trap.address() as { port: number }).port;
    const listen = await new Promise<number>((done) => {
      const probe = createServer().listen({ host: "127.0.0.1", port: 0 }, () => {
        const port = (probe.address() as { port: number }).port;
        probe.close(() => done(port));
      });
    });
    const audit = join(dir, "audit.jsonl");
    const result = await spawnCli([
      "run",
      `--allow-inbound=tcp://localhost:${listen}`,
      `--allow-outbound=tcp://db.internal->127.0.0.1:5432->${listen}`,
      `--audit=${audit}`,
      `--cache-dir=${join(dir, "cache")}`,
      example,
      "--",
      String(listen),
      String(closed),
    ]).finally(() => new Promise((done) => trap.close(done)));
    expect(result.code).toBe(0);
    expect(reached).toBe(0);
    expect(result.stdout).toBe(helloDbOutput(listen, closed));
    // Each line is the one audit record; the assertions read its decision (and its time).
    const records = (await readFile(audit, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { time: unknown; decision: Record<string, unknown> });
    const lines = records.map((r): Record<string, unknown> => ({ ...r.decision, time: r.time }));
    expect(lines.find((l) => l.op === "connect" && l.host === "127.0.0.1")).toMatchObject({ allowed: true, port: 5432, mapped: { port: listen } });
    expect(lines.find((l) => l.op === "connect" && l.port === closed)).toMatchObject({ allowed: false, reason: "no-rule", host: "127.0.0.1" });
    expect(lines.find((l) => l.op === "resolve" && l.host === "localhost")).toMatchObject({ allowed: false, reason: "no-rule" });
    expect(lines.every((l) => typeof l.time === "string")).toBe(true);
  });

  it("runs --example hello-db on two free loopback ports it announces, with the same 3 allowed / 3 denied", async () => {
    const dir = await mkdtemp(join(tmpdir(), "netperm-run-"));
    const result = await spawnCli(["run", "--example", "hello-db", `--cache-dir=${join(dir, "cache")}`], { cwd: dir });
    expect(result.code).toBe(0);
    const { listen, closed } = announcedPorts(result.stderr);
    expect(listen).not.toBe(closed);
    expect(result.stdout).toBe(helloDbOutput(listen, closed));
    const unknown = await spawnCli(["run", "--example=nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no example named 'nope'");
    const both = await spawnCli(["run", "--example=hello-db", example]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--example runs its own component");
  });

  it("exits 2 with NETPERM_NOT_COMPONENT for a core module", async () => {
    const dir = await mkdtemp(join(tmpdir(), "netperm-run-"));
    const file = join(dir, "core.wasm");
    await writeFile(file, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    const result = await spawnCli(["run", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("NETPERM_NOT_COMPONENT");
  });

  it("exits 2 with NETPERM_NOT_WASM for a text file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "netperm-run-"));
    const file = join(dir, "app.wasm");
    await writeFile(file, "not wasm at all");
    const result = await spawnCli(["run", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("NETPERM_NOT_WASM");
  });

  it("exits 2 with NETPERM_NOT_COMMAND for a component without wasi:cli/run", async () => {
    const dir = await mkdtemp(join(tmpdir(), "netperm-run-"));
    const file = join(dir, "empty.wasm");
    await writeFile(file, Buffer.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 0x01, 0]));
    const result = await spawnCli(["run", `--cache-dir=${join(dir, "cache")}`, file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("NETPERM_NOT_COMMAND");
  });

  it("exits 2 with the policy error's code and caret frame", async () => {
    const result = await spawnCli(["run", "--allow-outbound=tcp://*:35999-35000", example]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("NETPERM_PORT_RANGE");
    expect(result.stderr).toContain("^");
  });

  it("exits 2 when no component is named", async () => {
    const result = await spawnCli(["run", "--allow-outbound=tcp://*:80"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("run needs a component file");
  });
});
