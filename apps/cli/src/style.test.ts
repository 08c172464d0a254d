import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { styleFor } from "./style.js";

const tty = Object.assign(new PassThrough(), { isTTY: true });
const pipe = new PassThrough();

describe("colour", () => {
  it("colours a terminal", () => {
    expect(styleFor(tty, {}).red("denied")).toBe("\u001b[31mdenied\u001b[39m");
  });

  it("never colours with NO_COLOR set, or when output is not a terminal", () => {
    expect(styleFor(tty, { NO_COLOR: "1" }).red("denied")).toBe("denied");
    expect(styleFor(pipe, {}).red("denied")).toBe("denied");
    expect(styleFor(tty, { TERM: "dumb" }).green("allowed")).toBe("allowed");
  });
});
