import { describe, expect, it } from "vitest";
import type { CompiledPolicy } from "../matcher/compile.js";
import { decideOrDeny, failClosed } from "./fail-closed.js";

const op = { op: "connect", protocol: "tcp", host: "::1", port: 80 } as const;

describe("failClosed", () => {
  it("denies with invalid-input and the stage in the message", () => {
    expect(failClosed(op, new Error("disk full"), "audit")).toEqual({ ...op, allowed: false, reason: "invalid-input", message: "audit failed: disk full" });
  });
  it("never throws, whatever the operation and the cause", () => {
    const hostile = { toString: () => { throw new Error("no"); } };
    expect(failClosed(null, hostile)).toMatchObject({ allowed: false, reason: "invalid-input", message: "unprintable error" });
  });
});

describe("decideOrDeny", () => {
  it("turns a decider that throws into a denial", () => {
    const broken = { decide: () => { throw new Error("boom"); } } as unknown as CompiledPolicy;
    expect(decideOrDeny(broken, op)).toMatchObject({ allowed: false, reason: "invalid-input", message: "decision failed: boom" });
  });
});
