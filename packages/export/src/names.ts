/**
 * Name patterns of resolve rules (`*`, `example.com`, `*.example.com`,
 * `localhost`): whether two of them can match a common name. Names are
 * canonical already (IDNA ASCII, lower case, no trailing dot).
 */
import type { HostPattern } from "@netperm/core";

function nameOf(host: HostPattern): string | undefined {
  if (host.kind === "name") return host.name;
  if (host.kind === "localhost") return "localhost";
  return undefined;
}

/** `x` is `suffix` or lies under it (`a.b.example.com` under `example.com`). */
function under(x: string, suffix: string): boolean {
  return x === suffix || x.endsWith(`.${suffix}`);
}

/** Whether some name matches both patterns. Unknown kinds overlap everything (fail closed). */
export function namesOverlap(a: HostPattern, b: HostPattern): boolean {
  if (a.kind === "any" || b.kind === "any") return true;
  const an = nameOf(a);
  const bn = nameOf(b);
  if (an !== undefined && bn !== undefined) return an === bn;
  if (an !== undefined && b.kind === "wildcard") return an !== b.suffix && under(an, b.suffix);
  if (bn !== undefined && a.kind === "wildcard") return bn !== a.suffix && under(bn, a.suffix);
  if (a.kind === "wildcard" && b.kind === "wildcard") return under(a.suffix, b.suffix) || under(b.suffix, a.suffix);
  return true;
}
