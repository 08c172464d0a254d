/**
 * The argument checks wasmtime's host makes before it consults its
 * `socket_addr_check` (crates/wasi/src/sockets/mod.rs in the wasmtime
 * repository): the guard asks the policy only about an address that passed
 * them, so an invalid argument is `invalid-argument` whatever the policy says.
 * These are stricter than preview2-shim's own checks in three places (see
 * the README's host notes): multicast is all of 224.0.0.0/4 and ff00::/8
 * (the shim tests 224.x and ff00:: only), IPv4-compatible IPv6 (`::a.b.c.d`)
 * is refused like IPv4-mapped, and the family of a UDP remote is checked.
 */
import type { WitSocketAddress } from "./addresses.js";

export type Family = "ipv4" | "ipv6";

/** The IPv4 an address stands for: itself, or the one an IPv4-mapped IPv6 carries (Rust's `to_canonical`). */
function canonicalV4(address: WitSocketAddress): readonly number[] | undefined {
  if (address.tag === "ipv4") return address.val.address;
  const g = address.val.address;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff];
  }
  return undefined;
}

function isV4Mapped(groups: readonly number[]): boolean {
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
}

/** `::a.b.c.d`, deprecated since 2006, other than `::` and `::1` (wasmtime's `is_deprecated_ipv4_compatible`). */
function isV4Compatible(groups: readonly number[]): boolean {
  if (!groups.slice(0, 6).every((g) => g === 0)) return false;
  return !(groups[6] === 0 && (groups[7] === 0 || groups[7] === 1));
}

/** Neither multicast nor the IPv4 broadcast address (wasmtime's `is_valid_unicast_address`). */
export function isUnicast(address: WitSocketAddress): boolean {
  const v4 = canonicalV4(address);
  if (v4) return !(v4[0]! >= 224 && v4[0]! <= 239) && !v4.every((o) => o === 255);
  return address.val.address[0]! >> 8 !== 0xff;
}

/** The address is of the socket's family, and an IPv6 one is neither IPv4-mapped nor IPv4-compatible (`is_valid_address_family`). */
export function isOfFamily(address: WitSocketAddress, family: Family): boolean {
  if (address.tag !== family) return false;
  if (address.tag === "ipv4") return true;
  const groups = address.val.address;
  return !isV4Mapped(groups) && !isV4Compatible(groups);
}

/** Not the unspecified address (in any spelling) and not port 0 (`is_valid_remote_address`). */
export function isValidRemote(address: WitSocketAddress): boolean {
  if (address.val.port === 0) return false;
  const v4 = canonicalV4(address);
  if (v4) return !v4.every((o) => o === 0);
  return !address.val.address.every((g) => g === 0);
}

/** The unspecified address of a family, port 0: what wasmtime checks for an implicit bind. */
export function unspecified(family: Family): WitSocketAddress {
  return family === "ipv4"
    ? { tag: "ipv4", val: { port: 0, address: [0, 0, 0, 0] } }
    : { tag: "ipv6", val: { port: 0, flowInfo: 0, address: [0, 0, 0, 0, 0, 0, 0, 0], scopeId: 0 } };
}
