/**
 * The gate's mapping and its failing closed, without sockets: an allowed
 * request's endpoints are where the decision maps it (core's
 * `realEndpoint`), a name mapped to an address needs no DNS, and a decider
 * that throws is a denial with reason `invalid-input`.
 */
import { compile, parsePolicy, ResolutionTable, type CompiledPolicy } from "@netperm/core";
import { describe, expect, it } from "vitest";
import { createGate } from "../src/gate.js";

const noDns = async (): Promise<readonly string[]> => {
  throw new Error("no DNS in this test");
};

function gateFor(flags: string[]) {
  return createGate(compile(parsePolicy(flags)), new ResolutionTable(), noDns);
}

describe("the gate", () => {
  it("sends a mapped name to its address and port, without DNS", async () => {
    const r = await gateFor(["--allow-outbound=tcp://db.internal->127.0.0.5:5432->5433"]).check({ op: "connect", protocol: "tcp", host: "db.internal", port: 5432 });
    expect(r).toMatchObject({ allowed: true, endpoints: [{ host: "127.0.0.5", port: 5433 }] });
  });

  it("moves a mapped port on an address, in any spelling (brackets included)", async () => {
    const gate = gateFor(["--allow-outbound=tcp://127.0.0.1:80->8080", "--allow-outbound=tcp://[::1]:80->8081"]);
    expect(await gate.check({ op: "connect", protocol: "tcp", host: "127.1", port: 80 })).toMatchObject({ allowed: true, endpoints: [{ host: "127.0.0.1", port: 8080 }] });
    expect(await gate.check({ op: "connect", protocol: "tcp", host: "[::1]", port: 80 })).toMatchObject({ allowed: true, endpoints: [{ host: "::1", port: 8081 }] });
    expect(await gate.check({ op: "connect", protocol: "tcp", host: "127.0.0.1", port: 81 })).toMatchObject({ allowed: false, kind: "denied" });
  });

  it("filters a looked-up name's answers by the family of the resolve rule that matches it, as the WASI host does", async () => {
    const both = async (): Promise<readonly string[]> => ["::1", "127.0.0.1", "127.0.0.2"];
    const flags = ["--allow-outbound=tcp://*:80", "--allow-resolve=*.test#ipv4-only"];
    const r = await createGate(compile(parsePolicy(flags)), new ResolutionTable(), both).check({ op: "connect", protocol: "tcp", host: "dual.test", port: 80 });
    expect(r).toMatchObject({ allowed: true, endpoints: [{ host: "127.0.0.1", port: 80 }, { host: "127.0.0.2", port: 80 }] });
    const unfiltered = await createGate(compile(parsePolicy(flags.slice(0, 1))), new ResolutionTable(), both).check({ op: "connect", protocol: "tcp", host: "dual.test", port: 80 });
    expect(unfiltered).toMatchObject({ allowed: true, endpoints: [{ host: "::1" }, { host: "127.0.0.1" }, { host: "127.0.0.2" }] });
  });

  it("denies with invalid-input when deciding throws", async () => {
    const throwing = { decide: () => { throw new Error("boom"); } } as unknown as CompiledPolicy;
    const r = await createGate(throwing, new ResolutionTable(), noDns).check({ op: "connect", protocol: "tcp", host: "127.0.0.1", port: 80 });
    expect(r).toMatchObject({ allowed: false, kind: "denied", decision: { allowed: false, reason: "invalid-input", message: "boom", host: "127.0.0.1", port: 80 } });
  });
});
