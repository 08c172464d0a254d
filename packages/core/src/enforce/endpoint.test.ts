import { describe, expect, it } from "vitest";
import { parsePolicy } from "../grammar/parse.js";
import { compile } from "../matcher/compile.js";
import { guestEndpoint, realEndpoint } from "./endpoint.js";

const decider = (...flags: string[]) => compile(parsePolicy(flags));

describe("realEndpoint", () => {
  it("binds 8888 for the guest's 80 under *:80->8888", () => {
    const d = decider("--allow-inbound=tcp://*:80->8888").decide({ op: "bind", protocol: "tcp", host: "0.0.0.0", port: 80 });
    expect(realEndpoint(d, { host: "0.0.0.0", port: 80 })).toEqual({ host: "0.0.0.0", port: 8888 });
  });
  it("sends a name to its mapped address and port", () => {
    const d = decider("--allow-outbound=tcp://db.internal->127.0.0.5:5432->5433").decide({ op: "connect", protocol: "tcp", host: "DB.internal", port: 5432 });
    expect(realEndpoint(d, { host: "DB.internal", port: 5432 })).toEqual({ host: "127.0.0.5", port: 5433 });
  });
  it("passes an unmapped allowed endpoint through", () => {
    const d = decider("--allow-outbound=tcp://127.0.0.1:80").decide({ op: "connect", protocol: "tcp", host: "127.0.0.1", port: 80 });
    expect(realEndpoint(d, { host: "127.0.0.1", port: 80 })).toEqual({ host: "127.0.0.1", port: 80 });
  });
  it("gives nothing to open for a denial", () => {
    const d = decider("--allow-outbound=tcp://127.0.0.1:80").decide({ op: "connect", protocol: "tcp", host: "127.0.0.1", port: 81 });
    expect(d.allowed).toBe(false);
    expect(realEndpoint(d, { host: "127.0.0.1", port: 81 })).toBeUndefined();
  });
});

describe("guestEndpoint", () => {
  it("shows the guest the endpoint it asked for", () => {
    expect(guestEndpoint({ host: "127.0.0.5", port: 5432 }, { host: "127.0.0.5", port: 5433 })).toEqual({ host: "127.0.0.5", port: 5432 });
  });
  it("shows the real address for an unspecified one and the real port for port 0", () => {
    expect(guestEndpoint({ host: "0.0.0.0", port: 80 }, { host: "127.0.0.1", port: 8888 })).toEqual({ host: "127.0.0.1", port: 80 });
    expect(guestEndpoint({ host: "::", port: 0 }, { host: "::1", port: 40123 })).toEqual({ host: "::1", port: 40123 });
  });
});
