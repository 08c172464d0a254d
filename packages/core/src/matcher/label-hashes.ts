/**
 * The hash of every label of a name, made while the name is read. Reading a
 * host (`fastName`) already visits each character once to check it; it
 * folds the characters into label hashes on the way, so the name trie's walk
 * does not read the name a second time. The hashes are kept for the last
 * name read only, with that name: a walk uses them when it walks that very
 * name, and hashes any other name itself.
 */

export const LABEL_SEED = 0x811c9dc5 | 0;
const PRIME = 0x01000193;
/** Labels hashed at most (a canonical name has at most 127). */
export const MAX_LABELS = 128;

/** Label hashes of one name: label `k` ends at `ends[k]` (exclusive), the first label first. */
export interface LabelHashes {
  /** The name hashed; undefined when none is. */
  name: string | undefined;
  count: number;
  readonly ends: Int32Array;
  readonly hashes: Int32Array;
}

/** The labels of the last name `fastName` read. */
export const lastRead: LabelHashes = { name: undefined, count: 0, ends: new Int32Array(MAX_LABELS), hashes: new Int32Array(MAX_LABELS) };

/** One character folded into a label hash. */
export function foldChar(h: number, c: number): number {
  return Math.imul(h ^ c, PRIME);
}

/** Hash of `s[from, to)`, read from the first character to the last. */
export function labelHash(s: string, from: number, to: number): number {
  let h = LABEL_SEED;
  for (let i = from; i < to; i++) h = foldChar(h, s.charCodeAt(i));
  return h;
}

/** Hashes the labels of canonical `name` into `into` (at most `MAX_LABELS`). */
export function hashLabels(name: string, into: LabelHashes): void {
  let count = 0;
  let h = LABEL_SEED;
  for (let i = 0; i <= name.length && count < MAX_LABELS; i++) {
    const c = i === name.length ? 46 : name.charCodeAt(i);
    if (c === 46) {
      into.hashes[count] = h;
      into.ends[count++] = i;
      h = LABEL_SEED;
    } else h = foldChar(h, c);
  }
  into.count = count;
  into.name = name;
}
