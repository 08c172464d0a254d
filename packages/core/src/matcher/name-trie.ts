/**
 * Names in a reversed-label trie: `www.example.com` is the path
 * `com` -> `example` -> `www`. Each node holds two port tables: the exact
 * entry (rules for that very name) and the wildcard entry (rules `*.node`,
 * which match only names strictly below the node, never the node itself).
 *
 * The trie is one open-addressing hash table in an `Int32Array`: a node
 * lives in the slot its edge (parent slot, label hash) hashes to, with its
 * tables beside it, so one probe reads one cache line. The nodes' names
 * (ASCII: names are canonical) sit in one byte buffer. A lookup takes the
 * label hashes made while the name was read (`label-hashes.ts`), walks the
 * labels from the last to the first, allocates nothing, stops at the first
 * label with no node, and confirms the whole path with one
 * comparison of characters, so a hash collision can never match a wrong
 * name. Siblings whose labels collide are marked when the trie is built, and
 * their labels are compared as the walk passes them. O(length of the name),
 * whatever the number of rules.
 */
import { hashLabels, labelHash, lastRead, MAX_LABELS, type LabelHashes } from "./label-hashes.js";
import type { Contribution, PoolBuilder, TableRef, TableVisitor } from "./port-tables.js";

/** Numbers per slot: hash, parent slot (-1: top level), name length, name offset, exact off, len, wildcard off, len. */
const SLOT = 8;
const EMPTY = 0;
/** Set in a slot's length when another node has the same parent, label length and label hash. */
const AMBIGUOUS = 1 << 16;
const LENGTH = AMBIGUOUS - 1;

export interface NameIndex {
  /** `SLOT` numbers per slot; a slot with name length 0 is empty. */
  readonly slots: Int32Array;
  /** Slot count - 1 (a power of two). */
  readonly mask: number;
  /** Every node's whole name, one after the other. */
  readonly chars: Uint8Array;
  readonly nodes: number;
}

/** The slot where the edge (parent, label hash) starts probing. */
function home(parent: number, hash: number, mask: number): number {
  return (Math.imul(hash ^ Math.imul(parent + 1, 0x9e3779b1), 0x85ebca6b) >>> 8) & mask;
}

/** Collects rules by name while compiling; `build` writes the trie and its tables. */
export class NameIndexBuilder {
  private readonly exact = new Map<string, Contribution[]>();
  private readonly wild = new Map<string, Contribution[]>();

  /** A rule for exactly `name` (canonical). */
  addExact(name: string, c: Contribution): void {
    push(this.exact, name, c);
  }

  /** A rule `*.suffix`: names with one or more labels in front of `suffix`. */
  addWildcard(suffix: string, c: Contribution): void {
    push(this.wild, suffix, c);
  }

  /** True when no rule was added. */
  get empty(): boolean {
    return this.exact.size === 0 && this.wild.size === 0;
  }

  build(pool: PoolBuilder): NameIndex {
    const paths = new Set<string>();
    const addPath = (path: string): void => {
      for (let p = path; !paths.has(p); ) {
        paths.add(p);
        const dot = p.indexOf(".");
        if (dot < 0) break;
        p = p.slice(dot + 1);
      }
    };
    for (const name of this.exact.keys()) addPath(name);
    for (const suffix of this.wild.keys()) addPath(suffix);
    let size = 8;
    while (size < paths.size * 1.5) size *= 2;
    let bytes = 0;
    for (const p of paths) bytes += p.length;
    const index: NameIndex = { slots: new Int32Array(size * SLOT), mask: size - 1, chars: new Uint8Array(bytes), nodes: paths.size };
    // Parents first: shorter paths (fewer labels) are inserted before longer ones.
    const ordered = [...paths].sort((a, b) => a.length - b.length);
    const slotOf = new Map<string, number>();
    let at = 0;
    for (const path of ordered) {
      const dot = path.indexOf(".");
      const parent = dot < 0 ? -1 : slotOf.get(path.slice(dot + 1))!;
      const hash = labelHash(path, 0, dot < 0 ? path.length : dot);
      let slot = home(parent, hash, index.mask);
      let flag = 0;
      for (; index.slots[slot * SLOT + 2] !== EMPTY; slot = (slot + 1) & index.mask) {
        const o = slot * SLOT;
        if (index.slots[o] === hash && index.slots[o + 1] === parent && (index.slots[o + 2]! & LENGTH) === path.length) {
          index.slots[o + 2] = path.length | AMBIGUOUS;
          flag = AMBIGUOUS;
        }
      }
      const s = slot * SLOT;
      index.slots[s] = hash;
      index.slots[s + 1] = parent;
      index.slots[s + 2] = path.length | flag;
      index.slots[s + 3] = at;
      for (let i = 0; i < path.length; i++) index.chars[at + i] = path.charCodeAt(i);
      at += path.length;
      slotOf.set(path, slot);
    }
    const table = (path: string, offset: number, ref: TableRef): void => {
      const s = slotOf.get(path)! * SLOT;
      index.slots[s + offset] = ref.off;
      index.slots[s + offset + 1] = ref.len;
    };
    for (const [name, cs] of this.exact) table(name, 4, pool.add(cs));
    for (const [suffix, cs] of this.wild) table(suffix, 6, pool.add(cs));
    return index;
  }
}

function push(map: Map<string, Contribution[]>, key: string, c: Contribution): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [c]);
  else list.push(c);
}

const walked = new Int32Array(MAX_LABELS);
/** Label hashes of a name that was not the last one read. */
const own: LabelHashes = { name: undefined, count: 0, ends: new Int32Array(MAX_LABELS), hashes: new Int32Array(MAX_LABELS) };

/**
 * Walks `name` from its top label down, comparing hashes and lengths only:
 * fills `walked` with the slots of its suffixes present in the trie,
 * shortest first, and returns how many. The label hashes are those made
 * when the name was read, when it was the last one read.
 */
function walk(index: NameIndex, name: string): number {
  const { slots, mask } = index;
  let labels = lastRead;
  if (labels.name !== name) {
    hashLabels(name, own);
    labels = own;
  }
  const { ends, hashes } = labels;
  let parent = -1;
  let count = 0;
  for (let k = labels.count - 1; k >= 0; k--) {
    const h = hashes[k]!;
    const start = k === 0 ? 0 : ends[k - 1]! + 1;
    const length = name.length - start;
    let slot = home(parent, h, mask);
    for (; ; slot = (slot + 1) & mask) {
      const s = slot * SLOT;
      const field = slots[s + 2]!;
      if (field === EMPTY) return count;
      if (slots[s] !== h || slots[s + 1] !== parent || (field & LENGTH) !== length) continue;
      if ((field & AMBIGUOUS) === 0 || sameLabel(index.chars, slots[s + 3]!, name, start, ends[k]!)) break;
    }
    walked[count++] = slot;
    parent = slot;
  }
  return count;
}

/**
 * Calls `visitor.table(off, len)` for every table that applies to `name`
 * (canonical): the wildcard tables of every proper suffix present in the
 * trie, and the exact table of `name` itself.
 *
 * The walk compares hashes (and the labels of marked siblings); then the
 * deepest node's stored name is compared with the name's suffix. Every
 * node's name ends with its parent's, so that one comparison confirms every
 * step. On a mismatch the name collides with no rule's name at that level
 * (a colliding rule name would have been marked), so no node for it exists
 * and the walk is cut back until the stored names agree.
 */
export function visitName(index: NameIndex, name: string, visitor: TableVisitor): void {
  if (index.nodes === 0) return;
  let count = walk(index, name);
  const { slots, chars } = index;
  while (count > 0 && !sameSuffix(chars, slots, walked[count - 1]! * SLOT, name)) count--;
  for (let k = 0; k < count; k++) {
    const s = walked[k]! * SLOT;
    if ((slots[s + 2]! & LENGTH) === name.length) {
      if (slots[s + 5]! > 0) visitor.table(slots[s + 4]!, slots[s + 5]!);
    } else if (slots[s + 7]! > 0) visitor.table(slots[s + 6]!, slots[s + 7]!);
  }
}

/** True when the label stored at `at` (its first `to - from` characters) is `name[from, to)`. */
function sameLabel(chars: Uint8Array, at: number, name: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (chars[at + i - from] !== name.charCodeAt(i)) return false;
  return true;
}

/** True when the stored name of the node at `s` is the suffix of `name` of its length. */
function sameSuffix(chars: Uint8Array, slots: Int32Array, s: number, name: string): boolean {
  const length = slots[s + 2]! & LENGTH;
  const at = slots[s + 3]!;
  const from = name.length - length;
  for (let i = 0; i < length; i++) if (chars[at + i] !== name.charCodeAt(from + i)) return false;
  return true;
}
