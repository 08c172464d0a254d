import { describe, expect, it } from "vitest";
import { bareHost, hostPort, splitAuthority } from "./authority.js";

describe("hostPort", () => {
  it("brackets an IPv6 host once and leaves names and IPv4 alone", () => {
    expect(hostPort("::1", 80)).toBe("[::1]:80");
    expect(hostPort("[::1]", 80)).toBe("[::1]:80");
    expect(hostPort("127.0.0.1", 8080)).toBe("127.0.0.1:8080");
    expect(hostPort("example.com", undefined)).toBe("example.com");
    expect(hostPort("fe80::1", undefined)).toBe("[fe80::1]");
  });
});

describe("bareHost", () => {
  it("strips one pair of brackets only", () => {
    expect(bareHost("[::1]")).toBe("::1");
    expect(bareHost("example.com")).toBe("example.com");
    expect(bareHost("[")).toBe("[");
  });
});

describe("splitAuthority", () => {
  it("splits host:port and [v6]:port, host without brackets", () => {
    expect(splitAuthority("example.com:443")).toEqual({ host: "example.com", port: 443 });
    expect(splitAuthority("[::1]:8080")).toEqual({ host: "::1", port: 8080 });
    expect(splitAuthority("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0 });
  });
  it("uses the default port only when one is given", () => {
    expect(splitAuthority("example.com", 80)).toEqual({ host: "example.com", port: 80 });
    expect(splitAuthority("[::1]", 443)).toEqual({ host: "::1", port: 443 });
    expect(splitAuthority("example.com")).toBeUndefined();
  });
  it("refuses an empty host, unbracketed IPv6, userinfo, paths and ports above 65535", () => {
    for (const bad of [":80", "::1:80", "user@example.com:80", "example.com/x:80", "example.com:65536", "example.com:123456", "[]:80", "a b:80", ""]) {
      expect(splitAuthority(bad, 80), bad).toBeUndefined();
    }
  });
  it("round-trips with hostPort", () => {
    for (const [host, port] of [["::1", 1], ["example.com", 65535], ["10.0.0.1", 22]] as const) {
      expect(splitAuthority(hostPort(host, port))).toEqual({ host, port });
    }
  });
});
