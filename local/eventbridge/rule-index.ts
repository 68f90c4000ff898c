import { compilePattern, leafReader, literalKeyOf, type CompiledPattern } from './pattern';

/**
 * Rules indexed for matching events without scanning every rule.
 *
 * A rule whose every alternative requires one of a set of exact values at some field (typically `source` or
 * `detail-type`) is filed under those values; an event then only meets the rules filed under the values it has
 * at the indexed fields, plus the rules with no such field. Every candidate is still matched in full, so
 * `match` returns exactly what matching every rule in turn would, in the order the rules were first added.
 *
 * @example
 * const index = new RuleIndex<string>();
 * index.add('orders', { source: ['shop.orders'] }, 'orders-rule');
 * index.match({ source: 'shop.orders', detail: {} }); // ['orders-rule']
 */
export class RuleIndex<T> {
  private readonly rules = new Map<string, IndexedRule<T>>();
  /** Indexed rules by field path, then by literal key. */
  private readonly byPath = new Map<string, PathIndex<T>>();
  /** Rules with no field every alternative pins to exact values, in match order. */
  private readonly unindexed: IndexedRule<T>[] = [];
  private sequence = 0;

  /** Number of rules held. */
  get size(): number {
    return this.rules.size;
  }

  /**
   * Adds a rule, or replaces the rule with the same id (which keeps its place in the match order).
   * @param pattern an event pattern (object or JSON text) or a pattern compiled with `compilePattern`.
   * @throws InvalidEventPatternError when the pattern is invalid; the index is then unchanged.
   */
  add(ruleId: string, pattern: unknown, value: T): void {
    const compiled = isCompiledPattern(pattern) ? pattern : compilePattern(pattern);
    const previous = this.rules.get(ruleId);
    if (previous !== undefined) this.unfile(previous);
    const rule: IndexedRule<T> = {
      id: ruleId,
      order: previous?.order ?? this.sequence++,
      pattern: compiled,
      value,
      key: indexKeyOf(compiled),
    };
    this.rules.set(ruleId, rule);
    this.file(rule);
  }

  /** Removes a rule; false when there was none with that id. */
  remove(ruleId: string): boolean {
    const rule = this.rules.get(ruleId);
    if (rule === undefined) return false;
    this.rules.delete(ruleId);
    this.unfile(rule);
    return true;
  }

  /** The values of the rules that match the event, in the order the rules were first added. */
  match(event: unknown): T[] {
    let subject = event;
    if (typeof subject === 'string') {
      try {
        subject = JSON.parse(subject) as unknown;
      } catch {
        return [];
      }
    }
    const filed: IndexedRule<T>[] = [];
    for (const index of this.byPath.values()) {
      const leaves = index.read(subject);
      for (let i = 0; i < leaves.length; i++) {
        const key = literalKeyOf(leaves[i]);
        const rules = key === undefined ? undefined : index.rules.get(key);
        if (rules !== undefined) for (const rule of rules) filed.push(rule);
      }
    }
    filed.sort(byOrder);
    // Merge the (few) filed candidates into the unindexed rules, both in match order.
    const matched: T[] = [];
    const unindexed = this.unindexed;
    let u = 0;
    let f = 0;
    let last: IndexedRule<T> | undefined;
    while (u < unindexed.length || f < filed.length) {
      const takeFiled =
        u === unindexed.length ||
        (f < filed.length && (filed[f] as IndexedRule<T>).order < (unindexed[u] as IndexedRule<T>).order);
      const rule = (takeFiled ? filed[f++] : unindexed[u++]) as IndexedRule<T>;
      if (rule === last) continue;
      last = rule;
      if (rule.pattern.matches(subject)) matched.push(rule.value);
    }
    return matched;
  }

  private file(rule: IndexedRule<T>): void {
    if (rule.key === undefined) {
      const at = this.unindexed.findIndex((other) => other.order > rule.order);
      this.unindexed.splice(at < 0 ? this.unindexed.length : at, 0, rule);
      return;
    }
    let index = this.byPath.get(rule.key.path);
    if (index === undefined) {
      index = { read: leafReader(rule.key.path), rules: new Map() };
      this.byPath.set(rule.key.path, index);
    }
    for (const literal of rule.key.literals) {
      let filed = index.rules.get(literal);
      if (filed === undefined) {
        filed = new Set();
        index.rules.set(literal, filed);
      }
      filed.add(rule);
    }
  }

  private unfile(rule: IndexedRule<T>): void {
    if (rule.key === undefined) {
      this.unindexed.splice(this.unindexed.indexOf(rule), 1);
      return;
    }
    const index = this.byPath.get(rule.key.path);
    if (index === undefined) return;
    for (const literal of rule.key.literals) {
      const filed = index.rules.get(literal);
      filed?.delete(rule);
      if (filed?.size === 0) index.rules.delete(literal);
    }
    if (index.rules.size === 0) this.byPath.delete(rule.key.path);
  }
}

function byOrder(a: IndexedRule<unknown>, b: IndexedRule<unknown>): number {
  return a.order - b.order;
}

interface IndexedRule<T> {
  readonly id: string;
  /** Position in the match order: when the id was first added. */
  readonly order: number;
  readonly pattern: CompiledPattern;
  readonly value: T;
  readonly key: { readonly path: string; readonly literals: ReadonlySet<string> } | undefined;
}

interface PathIndex<T> {
  readonly read: (event: unknown) => readonly unknown[];
  readonly rules: Map<string, Set<IndexedRule<T>>>;
}

/** Envelope fields that tell events apart best, preferred as index keys. */
const PREFERRED_PATHS = ['source', 'detail-type'];

/** The field to file a rule under: a preferred envelope field, else the one with the fewest literals. */
function indexKeyOf(pattern: CompiledPattern): IndexedRule<unknown>['key'] {
  let best: { path: string; literals: ReadonlySet<string> } | undefined;
  const rank = (path: string): number => {
    const preferred = PREFERRED_PATHS.indexOf(path);
    return preferred < 0 ? PREFERRED_PATHS.length : preferred;
  };
  for (const [path, literals] of pattern.requiredLiterals) {
    if (
      best === undefined ||
      rank(path) < rank(best.path) ||
      (rank(path) === rank(best.path) && literals.size < best.literals.size)
    ) {
      best = { path, literals };
    }
  }
  return best;
}

function isCompiledPattern(value: unknown): value is CompiledPattern {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<CompiledPattern>).matches === 'function' &&
    (value as Partial<CompiledPattern>).requiredLiterals instanceof Map
  );
}
