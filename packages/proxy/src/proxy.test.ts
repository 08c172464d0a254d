import { describe, expect, it } from "vitest";
import { listenWarnings } from "./proxy.js";

describe("listenWarnings", () => {
  it("is silent on loopback addresses, in any spelling, and on localhost", () => {
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "localhost", "2130706433"]) expect(listenWarnings(host, false)).toEqual([]);
  });

  it("warns when listening beyond loopback without authentication", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.com"]) {
      const [warning, ...more] = listenWarnings(host, false);
      expect(more).toEqual([]);
      expect(warning).toContain(`listening on ${host} without authentication`);
    }
  });

  it("does not warn when authentication is required", () => {
    expect(listenWarnings("0.0.0.0", true)).toEqual([]);
  });
});
