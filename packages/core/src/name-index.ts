/**
 * Names in a reversed-label trie: `www.example.com` is the path
 * `com` -> `example` -> `www`. Each node holds two port tables: the exact
 * entry (rules for that very name) and the wildcard entry (rules `*.node`,
 * which match only names strictly below the node, never the node itself).
 *
 * The trie is stored flat: a node is identified by its label path, which is
 * the canonical suffix of the name (`example.com`), in one `Map` from path to
 * node number; the node's tables sit in an `Int32Array`. A lookup walks the
 * suffixes of a name from the top label down and stops at the first missing
 * node, so it costs O(labels), whatever the number of rules.
 */
import type { Contribution, PoolBuilder, TableRef, TableVisitor } from "./port-set.js";

/** Numbers per node in `tables`: exact off, exact len, wildcard off, wildcard len. */
const NODE = 4;

export interface NameIndex {
  /** Label path (canonical suffix) to node number. */
  readonly nodes: ReadonlyMap<string, number>;
  /** Per node: exact table (off, len) then wildcard table (off, len); len 0 when absent. */
  readonly tables: Int32Array;
}

/** Collects rules by name while compiling; `build` writes their tables. */
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
    const nodes = new Map<string, number>();
    const node = (path: string): number => {
      let id = nodes.get(path);
      if (id === undefined) {
        id = nodes.size;
        nodes.set(path, id);
        // Ancestors too, so that a lookup may stop at the first missing suffix.
        const dot = path.indexOf(".");
        if (dot >= 0) node(path.slice(dot + 1));
      }
      return id;
    };
    const refs: [number, number, TableRef][] = [];
    for (const [name, cs] of this.exact) refs.push([node(name), 0, pool.add(cs)]);
    for (const [suffix, cs] of this.wild) refs.push([node(suffix), 2, pool.add(cs)]);
    const tables = new Int32Array(nodes.size * NODE);
    for (const [id, at, ref] of refs) {
      tables[id * NODE + at] = ref.off;
      tables[id * NODE + at + 1] = ref.len;
    }
    return { nodes, tables };
  }
}

function push(map: Map<string, Contribution[]>, key: string, c: Contribution): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [c]);
  else list.push(c);
}

/**
 * Calls `visitor.table(off, len)` for every table that applies to `name` (canonical):
 * the wildcard tables of every proper suffix present in the trie, and the
 * exact table of `name` itself. Walks from the top label down.
 */
export function visitName(index: NameIndex, name: string, visitor: TableVisitor): void {
  if (index.nodes.size === 0) return;
  const { nodes, tables } = index;
  let end = name.length;
  for (;;) {
    const dot = name.lastIndexOf(".", end - 1);
    const path = dot < 0 ? name : name.slice(dot + 1);
    const id = nodes.get(path);
    if (id === undefined) return;
    const at = id * NODE;
    if (dot < 0) {
      if (tables[at + 1]! > 0) visitor.table(tables[at]!, tables[at + 1]!);
      return;
    }
    if (tables[at + 3]! > 0) visitor.table(tables[at + 2]!, tables[at + 3]!);
    end = dot;
  }
}
