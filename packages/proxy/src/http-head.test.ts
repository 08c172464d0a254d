import { describe, expect, it } from "vitest";
import { endToEnd, framingOf, parseRequestHead, parseResponseHead, type Header } from "./http-head.js";

describe("parseRequestHead", () => {
  it("reads method, target, version and headers in order", () => {
    const head = parseRequestHead(["GET http://a.example/x HTTP/1.1", "Host: a.example", "X-Two:  spaced  "]);
    expect(head).toEqual({ method: "GET", target: "http://a.example/x", version: "HTTP/1.1", headers: [["Host", "a.example"], ["X-Two", "spaced"]] });
  });

  it("refuses obsolete line folding, nameless headers, bad names, control bytes and HTTP/2", () => {
    expect(parseRequestHead(["GET / HTTP/1.1", "A: b", " folded"])).toBe("obsolete line folding");
    expect(parseRequestHead(["GET / HTTP/1.1", ": b"])).toBe("header without a name");
    expect(parseRequestHead(["GET / HTTP/1.1", "A b: c"])).toBe("bad header name");
    expect(parseRequestHead(["GET / HTTP/1.1", "A: b\u0000c"])).toBe("bad header value");
    expect(parseRequestHead(["GET / HTTP/2.0"])).toBe("unsupported HTTP version");
    expect(parseRequestHead(["GET  / HTTP/1.1"])).toBe("bad request line");
  });
});

describe("parseResponseHead", () => {
  it("reads status and reason, which may be empty", () => {
    expect(parseResponseHead(["HTTP/1.1 204", "A: b"])).toEqual({ version: "HTTP/1.1", status: 204, reason: "", headers: [["A", "b"]] });
    expect(parseResponseHead(["HTTP/1.1 20 OK"])).toBe("bad status line");
  });
});

describe("framingOf", () => {
  const h = (...pairs: [string, string][]): Header[] => pairs;
  it("takes exactly chunked, or one Content-Length, and refuses both (smuggling)", () => {
    expect(framingOf(h(["Transfer-Encoding", "chunked"]), false)).toEqual({ kind: "chunked" });
    expect(framingOf(h(["Content-Length", "12"]), false)).toEqual({ kind: "length", length: 12 });
    expect(framingOf(h(["Content-Length", "12"], ["Content-Length", "12"]), false)).toEqual({ kind: "length", length: 12 });
    expect(framingOf(h(["Content-Length", "12"], ["Transfer-Encoding", "chunked"]), false)).toBe("both Transfer-Encoding and Content-Length");
    expect(framingOf(h(["Transfer-Encoding", "gzip, chunked"]), false)).toBe("unsupported Transfer-Encoding");
    expect(framingOf(h(["Content-Length", "12"], ["Content-Length", "13"]), false)).toBe("bad Content-Length");
    expect(framingOf(h(["Content-Length", "-1"]), false)).toBe("bad Content-Length");
  });

  it("reads no body for a request without framing and to-the-close for a response", () => {
    expect(framingOf([], false)).toEqual({ kind: "none" });
    expect(framingOf([], true)).toEqual({ kind: "close" });
  });
});

describe("endToEnd", () => {
  it("drops hop-by-hop headers and those Connection names, keeping Transfer-Encoding", () => {
    const out = endToEnd([
      ["Connection", "keep-alive, X-Private, transfer-encoding"],
      ["X-Private", "1"],
      ["Keep-Alive", "timeout=5"],
      ["Proxy-Authorization", "Basic x"],
      ["Transfer-Encoding", "chunked"],
      ["X-Public", "2"],
    ]);
    expect(out).toEqual([["Transfer-Encoding", "chunked"], ["X-Public", "2"]]);
  });
});
