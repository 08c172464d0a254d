import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { NetpermError } from "../grammar/errors.js";
import { createMapper } from "./mapper.js";
import { parsePolicy } from "../grammar/parse.js";

const mapper = (...flags: string[]) => createMapper(parsePolicy(flags));

describe("createMapper", () => {
  it("inbound *:80->8888 binds 8888 for the guest's 80 and shows 80 back", () => {
    const m = mapper("--allow-inbound=tcp://*:80->8888");
    expect(m.toHost("inbound", "tcp", { host: "0.0.0.0", port: 80 })).toEqual({ host: "0.0.0.0", port: 8888 });
    expect(m.toGuest("inbound", "tcp", { host: "0.0.0.0", port: 8888 })).toEqual({ host: "0.0.0.0", port: 80 });
    expect(m.toHost("inbound", "tcp", { host: "::", port: 80 })).toEqual({ host: "::", port: 8888 });
  });
  it("leaves other ports, protocols and directions alone", () => {
    const m = mapper("--allow-inbound=tcp://*:80->8888");
    expect(m.toHost("inbound", "tcp", { host: "0.0.0.0", port: 81 })).toEqual({ host: "0.0.0.0", port: 81 });
    expect(m.toHost("inbound", "udp", { host: "0.0.0.0", port: 80 })).toEqual({ host: "0.0.0.0", port: 80 });
    expect(m.toHost("outbound", "tcp", { host: "0.0.0.0", port: 80 })).toEqual({ host: "0.0.0.0", port: 80 });
    expect(m.toGuest("inbound", "tcp", { host: "0.0.0.0", port: 80 })).toEqual({ host: "0.0.0.0", port: 80 });
  });
  it("outbound db->127.0.0.5:5432->5433 maps the name and the address the guest resolved it to", () => {
    const m = mapper("--allow-outbound=tcp://db.internal->127.0.0.5:5432->5433");
    expect(m.toHost("outbound", "tcp", { host: "DB.internal", port: 5432 })).toEqual({ host: "127.0.0.5", port: 5433 });
    expect(m.toHost("outbound", "tcp", { host: "127.0.0.5", port: 5432 })).toEqual({ host: "127.0.0.5", port: 5433 });
    expect(m.toHost("outbound", "tcp", { host: "127.1", port: 5432 })).toEqual({ host: "127.1", port: 5432 });
    expect(m.toGuest("outbound", "tcp", { host: "127.0.0.5", port: 5433 })).toEqual({ host: "127.0.0.5", port: 5432 });
    expect(m.toGuest("outbound", "tcp", { host: "127.0.0.6", port: 5433 })).toEqual({ host: "127.0.0.6", port: 5433 });
  });
  it("maps a name to its address without a port mapping", () => {
    const m = mapper("--allow-outbound=tcp://db.internal->127.0.0.5:5432");
    expect(m.toHost("outbound", "tcp", { host: "db.internal", port: 5432 })).toEqual({ host: "127.0.0.5", port: 5432 });
    expect(m.toGuest("outbound", "tcp", { host: "127.0.0.5", port: 5432 })).toEqual({ host: "127.0.0.5", port: 5432 });
  });
  it("maps port ranges element by element, both ways", () => {
    const m = mapper("--allow-inbound=tcp://*:8000-8099->9000-9099");
    for (const [guest, host] of [[8000, 9000], [8042, 9042], [8099, 9099]] as const) {
      expect(m.toHost("inbound", "tcp", { host: "127.0.0.1", port: guest })).toEqual({ host: "127.0.0.1", port: host });
      expect(m.toGuest("inbound", "tcp", { host: "127.0.0.1", port: host })).toEqual({ host: "127.0.0.1", port: guest });
    }
    expect(m.toHost("inbound", "tcp", { host: "127.0.0.1", port: 8100 })).toEqual({ host: "127.0.0.1", port: 8100 });
  });
  it("respects the host of the rule: CIDR, localhost, family", () => {
    const m = mapper("--allow-outbound=tcp://10.0.0.0/8:80->8080", "--allow-inbound=udp://localhost:53->5353#ipv6-only");
    expect(m.toHost("outbound", "tcp", { host: "10.1.2.3", port: 80 })).toEqual({ host: "10.1.2.3", port: 8080 });
    expect(m.toHost("outbound", "tcp", { host: "11.1.2.3", port: 80 })).toEqual({ host: "11.1.2.3", port: 80 });
    expect(m.toHost("inbound", "udp", { host: "::1", port: 53 })).toEqual({ host: "::1", port: 5353 });
    expect(m.toHost("inbound", "udp", { host: "127.0.0.1", port: 53 })).toEqual({ host: "127.0.0.1", port: 53 });
  });
  it("maps an interface rule only on that interface's addresses", () => {
    const policy = parsePolicy(["--allow-inbound=tcp://eth0:80->8080"]);
    const m = createMapper(policy, { interfaces: () => ({ eth0: [{ address: "192.168.1.5" }] }) });
    expect(m.toHost("inbound", "tcp", { host: "192.168.1.5", port: 80 })).toEqual({ host: "192.168.1.5", port: 8080 });
    expect(m.toHost("inbound", "tcp", { host: "192.168.1.6", port: 80 })).toEqual({ host: "192.168.1.6", port: 80 });
    expect(createMapper(policy).toHost("inbound", "tcp", { host: "192.168.1.5", port: 80 })).toEqual({ host: "192.168.1.5", port: 80 });
  });
  it("lets the lowest-index mapping rule decide, as decisions do", () => {
    const policy = parsePolicy(["--allow-inbound=tcp://*:*", "--allow-inbound=tcp://*:80->8888", "--allow-inbound=tcp://*:80->9999"]);
    const m = createMapper(policy);
    expect(m.toHost("inbound", "tcp", { host: "0.0.0.0", port: 80 })).toEqual({ host: "0.0.0.0", port: 8888 });
    expect(compile(policy).decide({ op: "bind", protocol: "tcp", host: "0.0.0.0", port: 80 }).mapped).toEqual({ host: "0.0.0.0", port: 8888 });
  });
  it("throws NETPERM_ARGUMENT for an endpoint that is not one", () => {
    const m = mapper("--allow-inbound=tcp://*:80->8888");
    for (const bad of [{ host: "a..b", port: 80 }, { host: "0.0.0.0", port: 70000 }, { host: "0.0.0.0", port: 1.5 }]) {
      expect(() => m.toHost("inbound", "tcp", bad)).toThrow(NetpermError);
      expect(() => m.toGuest("inbound", "tcp", bad)).toThrow(expect.objectContaining({ code: "NETPERM_ARGUMENT" }));
    }
  });
});
