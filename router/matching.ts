/**
 * The URI pattern index shared by the broker (subscriptions) and the dealer (registrations).
 * One entry per (pattern, match policy); the value is whatever the owner keeps per entry.
 *
 * Matching rules (spec: advanced/rpc_pattern_based_registration.md,
 * advanced/pubsub_pattern_based_subscription.md):
 * - exact: the URI equals the pattern;
 * - prefix: the pattern is a *string* prefix of the URI (`com.myapp.obj1` matches
 *   `com.myapp.obj1-sub` and `com.myapp.obj1` itself);
 * - wildcard: same number of components, and each non-empty pattern component equals the URI's
 *   component at that position (an empty component matches exactly one component).
 */
import type { MatchPolicy } from '../shared/wamp/uri-rules.ts';

export type { MatchPolicy } from '../shared/wamp/uri-rules.ts';

export const MATCH_POLICIES: readonly MatchPolicy[] = ['exact', 'prefix', 'wildcard'];

export function isMatchPolicy(value: unknown): value is MatchPolicy {
  return value === 'exact' || value === 'prefix' || value === 'wildcard';
}

interface Slot<T> {
  value: T;
}

/** Prefix patterns, looked up by the distinct pattern lengths rather than by scanning entries. */
class PrefixTable<T> {
  readonly #byPattern = new Map<string, Slot<T>>();
  /** How many patterns have each length. */
  readonly #lengthCounts = new Map<number, number>();
  /** Distinct pattern lengths, longest first. */
  #lengths: number[] = [];

  get size(): number {
    return this.#byPattern.size;
  }
  get(pattern: string): Slot<T> | undefined {
    return this.#byPattern.get(pattern);
  }
  set(pattern: string, value: T): void {
    const slot = this.#byPattern.get(pattern);
    if (slot) {
      slot.value = value;
      return;
    }
    this.#byPattern.set(pattern, { value });
    const count = this.#lengthCounts.get(pattern.length) ?? 0;
    this.#lengthCounts.set(pattern.length, count + 1);
    if (count === 0) this.#lengths = [...this.#lengthCounts.keys()].sort((a, b) => b - a);
  }
  delete(pattern: string): boolean {
    if (!this.#byPattern.delete(pattern)) return false;
    const count = this.#lengthCounts.get(pattern.length) ?? 0;
    if (count <= 1) {
      this.#lengthCounts.delete(pattern.length);
      this.#lengths = this.#lengths.filter((length) => length !== pattern.length);
    } else {
      this.#lengthCounts.set(pattern.length, count - 1);
    }
    return true;
  }
  /** Matching entries, longest pattern first (spec: longest prefix wins). */
  *matches(uri: string): Generator<T> {
    for (const length of this.#lengths) {
      if (length > uri.length) continue;
      const slot = this.#byPattern.get(uri.slice(0, length));
      if (slot) yield slot.value;
    }
  }
  *values(): Generator<T> {
    for (const slot of this.#byPattern.values()) yield slot.value;
  }
}

interface TrieNode<T> {
  readonly children: Map<string, TrieNode<T>>;
  slot: Slot<T> | undefined;
}

function newNode<T>(): TrieNode<T> {
  return { children: new Map(), slot: undefined };
}

/** Wildcard patterns in a component trie; the empty component is the wildcard edge. */
class WildcardTrie<T> {
  readonly #root: TrieNode<T> = newNode();
  #size = 0;

  get size(): number {
    return this.#size;
  }
  get(pattern: string): Slot<T> | undefined {
    let node: TrieNode<T> | undefined = this.#root;
    for (const component of pattern.split('.')) {
      node = node.children.get(component);
      if (!node) return undefined;
    }
    return node.slot;
  }
  set(pattern: string, value: T): void {
    let node = this.#root;
    for (const component of pattern.split('.')) {
      let child = node.children.get(component);
      if (!child) {
        child = newNode();
        node.children.set(component, child);
      }
      node = child;
    }
    if (node.slot) node.slot.value = value;
    else {
      node.slot = { value };
      this.#size += 1;
    }
  }
  delete(pattern: string): boolean {
    const path: [TrieNode<T>, string][] = [];
    let node: TrieNode<T> | undefined = this.#root;
    for (const component of pattern.split('.')) {
      path.push([node, component]);
      node = node.children.get(component);
      if (!node) return false;
    }
    if (!node.slot) return false;
    node.slot = undefined;
    this.#size -= 1;
    // Prune the branch bottom-up while nodes are empty.
    for (let i = path.length - 1; i >= 0; i -= 1) {
      const [parent, component] = path[i] as [TrieNode<T>, string];
      const child = parent.children.get(component);
      if (!child || child.slot || child.children.size > 0) break;
      parent.children.delete(component);
    }
    return true;
  }
  /**
   * Matching entries, best first. Trying the literal edge before the wildcard edge at every
   * position orders patterns by "longest literal portion before each wildcard, portion by portion"
   * (spec: advanced/rpc_pattern_based_registration.md, selection step 3).
   */
  *matches(uri: string): Generator<T> {
    yield* this.#walk(this.#root, uri.split('.'), 0);
  }
  *#walk(node: TrieNode<T>, components: readonly string[], depth: number): Generator<T> {
    if (depth === components.length) {
      if (node.slot) yield node.slot.value;
      return;
    }
    const component = components[depth] ?? '';
    const literal = component === '' ? undefined : node.children.get(component);
    if (literal) yield* this.#walk(literal, components, depth + 1);
    const wildcard = node.children.get('');
    if (wildcard) yield* this.#walk(wildcard, components, depth + 1);
  }
  *values(): Generator<T> {
    const stack: TrieNode<T>[] = [this.#root];
    for (let node = stack.pop(); node; node = stack.pop()) {
      if (node.slot) yield node.slot.value;
      stack.push(...node.children.values());
    }
  }
}

/** Entries keyed by (URI pattern, match policy). */
export class UriIndex<T> {
  readonly #exact = new Map<string, T>();
  readonly #prefix = new PrefixTable<T>();
  readonly #wildcard = new WildcardTrie<T>();

  get size(): number {
    return this.#exact.size + this.#prefix.size + this.#wildcard.size;
  }

  /** The entry registered with exactly this pattern and policy. */
  get(uri: string, match: MatchPolicy): T | undefined {
    switch (match) {
      case 'exact': return this.#exact.get(uri);
      case 'prefix': return this.#prefix.get(uri)?.value;
      case 'wildcard': return this.#wildcard.get(uri)?.value;
    }
  }

  set(uri: string, match: MatchPolicy, value: T): void {
    switch (match) {
      case 'exact': this.#exact.set(uri, value); return;
      case 'prefix': this.#prefix.set(uri, value); return;
      case 'wildcard': this.#wildcard.set(uri, value); return;
    }
  }

  delete(uri: string, match: MatchPolicy): boolean {
    switch (match) {
      case 'exact': return this.#exact.delete(uri);
      case 'prefix': return this.#prefix.delete(uri);
      case 'wildcard': return this.#wildcard.delete(uri);
    }
  }

  /** Every entry whose pattern matches `uri`: exact, then prefixes (longest first), then wildcards (best first). */
  matchAll(uri: string): T[] {
    const found: T[] = [];
    const exact = this.#exact.get(uri);
    if (exact !== undefined || this.#exact.has(uri)) found.push(exact as T);
    // Most realms have no pattern entries at all: skip the generators then (the hot path of every PUBLISH).
    if (this.#prefix.size > 0) for (const value of this.#prefix.matches(uri)) found.push(value);
    if (this.#wildcard.size > 0) for (const value of this.#wildcard.matches(uri)) found.push(value);
    return found;
  }

  /**
   * The single best match (spec: advanced/rpc_pattern_based_registration.md "Calls matching multiple
   * registrations"): exact, else the longest prefix, else the wildcard with the longest literal
   * portions before each wildcard, compared portion by portion.
   */
  best(uri: string): T | undefined {
    const exact = this.#exact.get(uri);
    if (exact !== undefined || this.#exact.has(uri)) return exact;
    if (this.#prefix.size > 0) for (const value of this.#prefix.matches(uri)) return value;
    if (this.#wildcard.size > 0) for (const value of this.#wildcard.matches(uri)) return value;
    return undefined;
  }

  *values(): IterableIterator<T> {
    yield* this.#exact.values();
    yield* this.#prefix.values();
    yield* this.#wildcard.values();
  }
}
