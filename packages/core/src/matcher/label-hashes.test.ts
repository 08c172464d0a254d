import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastName } from "./lookup-key.js";
import { hashLabels, lastRead, type LabelHashes } from "./label-hashes.js";

const fresh = (): LabelHashes => ({ name: undefined, count: 0, ends: new Int32Array(128), hashes: new Int32Array(128) });

describe("label hashes made while a name is read", () => {
  it("are the hashes of the canonical name's labels, whatever its case or trailing dot", () => {
    const label = fc.stringMatching(/^[A-Za-z0-9_]([A-Za-z0-9_-]{0,10}[A-Za-z0-9_])?$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 6 }), fc.boolean(), (labels, dot) => {
        const text = labels.join(".") + "." + "com" + (dot ? "." : "");
        const name = fastName(text);
        fc.pre(name !== undefined);
        expect(lastRead.name).toBe(name);
        const want = fresh();
        hashLabels(name!, want);
        expect(lastRead.count).toBe(want.count);
        expect([...lastRead.hashes.subarray(0, want.count)]).toEqual([...want.hashes.subarray(0, want.count)]);
        expect([...lastRead.ends.subarray(0, want.count)]).toEqual([...want.ends.subarray(0, want.count)]);
      }),
      { numRuns: 300, seed: 0x6c61626c },
    );
  });

  it("are dropped when the text is not a fast name", () => {
    fastName("Example.COM");
    expect(lastRead.name).toBe("example.com");
    expect(fastName("xn--nxasmq6b.com")).toBeUndefined();
    expect(lastRead.name).toBeUndefined();
  });
});
