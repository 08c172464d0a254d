/**
 * Where the parts of a rule stand in its flag text, for caret frames under
 * lint findings: the host part and the ports part of
 * `--allow-outbound=tcp://example.com:80,443#ipv4-only`.
 */

export interface Span {
  readonly offset: number;
  readonly length: number;
}

/** The span of `part` in `flag`; the whole flag when the part cannot be found. */
export function spanOf(flag: string, part: "host" | "ports" | "whole"): Span {
  const whole = { offset: 0, length: flag.length };
  if (part === "whole") return whole;
  const eq = flag.startsWith("--") ? flag.indexOf("=") + 1 : 0;
  const scheme = flag.indexOf("://", eq);
  const hostStart = scheme >= 0 ? scheme + 3 : eq;
  let hostEnd = hostStart;
  if (flag[hostStart] === "[") {
    hostEnd = flag.indexOf("]", hostStart) + 1 || flag.length;
    while (hostEnd < flag.length && /[0-9/]/.test(flag[hostEnd]!)) hostEnd++;
  } else {
    while (hostEnd < flag.length && !":#".includes(flag[hostEnd]!) && !flag.startsWith("->", hostEnd)) hostEnd++;
  }
  if (part === "host") return hostEnd > hostStart ? { offset: hostStart, length: hostEnd - hostStart } : whole;
  if (scheme < 0) return whole;
  let colon = hostEnd;
  if (flag.startsWith("->", colon)) {
    colon += 2;
    if (flag[colon] === "[") colon = flag.indexOf("]", colon) + 1 || flag.length;
    while (colon < flag.length && !":#".includes(flag[colon]!)) colon++;
  }
  if (flag[colon] !== ":") return { offset: hostStart, length: hostEnd - hostStart };
  const hash = flag.indexOf("#", colon);
  const end = hash >= 0 ? hash : flag.length;
  return { offset: colon + 1, length: end - colon - 1 };
}
