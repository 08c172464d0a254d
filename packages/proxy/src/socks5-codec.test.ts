import { describe, expect, it } from "vitest";
import { encodeAddress, encodeReply, encodeUdpDatagram, parseUdpDatagram } from "./socks5-codec.js";

describe("SOCKS5 addresses", () => {
  it("encodes IPv4, IPv6 and names with their ATYP", () => {
    expect([...encodeAddress("127.0.0.1", 1080)]).toEqual([1, 127, 0, 0, 1, 0x04, 0x38]);
    expect([...encodeAddress("::1", 80)]).toEqual([4, ...new Array<number>(15).fill(0), 1, 0, 80]);
    expect([...encodeAddress("ab.c", 1)]).toEqual([3, 4, 0x61, 0x62, 0x2e, 0x63, 0, 1]);
  });

  it("encodes a reply as VER REP RSV ATYP ADDR PORT", () => {
    expect([...encodeReply(2)]).toEqual([5, 2, 0, 1, 0, 0, 0, 0, 0, 0]);
  });
});

describe("UDP datagram header", () => {
  it("round-trips every address type", () => {
    for (const host of ["10.1.2.3", "fe80:0:0:0:0:0:0:1", "name.example"]) {
      const msg = encodeUdpDatagram(host, 53, Buffer.from("payload"));
      const parsed = parseUdpDatagram(msg);
      expect(parsed?.address.port).toBe(53);
      expect(parsed?.frag).toBe(0);
      expect(parsed?.data.toString()).toBe("payload");
      expect(parsed?.address.host).toBe(host);
    }
  });

  it("rejects truncated headers, a non-zero RSV and unknown ATYPs", () => {
    expect(parseUdpDatagram(Buffer.from([0, 0, 0, 1, 127, 0]))).toBeUndefined();
    expect(parseUdpDatagram(Buffer.from([0, 1, 0, 1, 127, 0, 0, 1, 0, 53]))).toBeUndefined();
    expect(parseUdpDatagram(Buffer.from([0, 0, 0, 9, 127, 0, 0, 1, 0, 53]))).toBeUndefined();
    expect(parseUdpDatagram(Buffer.from([0, 0, 0, 3, 200, 0x61]))).toBeUndefined();
  });
});
