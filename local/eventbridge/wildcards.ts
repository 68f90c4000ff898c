/**
 * Wildcard values of event patterns: their shape and matching, and the complexity EventBridge allows, measured on
 * the byte machine event-ruler builds for them.
 */

import { invalid } from './pattern-errors';
import type { SubRule, ValueSpec } from './pattern-syntax';

/**
 * EventBridge's per-pattern limit on wildcard complexity: the most wildcard-pattern states one value can keep
 * alive at once (event-ruler's README recommends 10 per rule; AWS rejects `*:*:*:*:*:event-bus/*`, 11, and
 * accepts `/Users/*\/dir/dir/dir/dir/dir/doc.txt`, 7).
 */
const MAX_WILDCARD_COMPLEXITY = 10;

// ---------------------------------------------------------------------------------------------------------------
// Wildcards
// ---------------------------------------------------------------------------------------------------------------

/** A wildcard pattern as literal segments between `*`s (escapes resolved). */
interface WildcardShape {
  readonly segments: readonly string[];
}

/**
 * Parses `*`, `\*` and `\\`; any other backslash, or two `*` in a row, is an error (event-ruler WildcardParser).
 * Positions in messages count UTF-8 bytes of the quoted value, as event-ruler does.
 */
export function parseWildcard(value: string): WildcardShape {
  const position = (index: number): number => new TextEncoder().encode(`"${value.slice(0, index)}`).length;
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '*') {
      if (value[i + 1] === '*') invalid(`Consecutive wildcard characters at pos ${position(i)}`);
      segments.push(current);
      current = '';
    } else if (c === '\\') {
      const next = value[i + 1];
      if (next !== '*' && next !== '\\') invalid(`Invalid escape character at pos ${position(i)}`);
      current += next;
      i++;
    } else {
      current += c;
    }
  }
  segments.push(current);
  return { segments };
}

export function wildcardMatches(shape: WildcardShape, text: string): boolean {
  const { segments } = shape;
  const first = segments[0] as string;
  if (segments.length === 1) return text === first;
  const last = segments[segments.length - 1] as string;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last))
    return false;
  let position = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i] as string;
    const found = text.indexOf(segment, position);
    if (found < 0 || found + segment.length > end) return false;
    position = found + segment.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Wildcard complexity (event-ruler MachineComplexityEvaluator over the rule's wildcard sub-rules)
// ---------------------------------------------------------------------------------------------------------------

export function checkWildcardComplexity(subRules: readonly SubRule[]): void {
  const withWildcards = subRules.filter((rule) =>
    [...rule.values()].some((specs) =>
      specs.some((s) => s.kind === 'wildcard' || s.kind === 'anything-but-wildcard'),
    ),
  );
  if (withWildcards.length === 0) return;
  for (const machine of wildcardMachines(withWildcards)) {
    if (machine.complexity(MAX_WILDCARD_COMPLEXITY) > MAX_WILDCARD_COMPLEXITY) {
      invalid(
        'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
      );
    }
  }
}

/** Equal for patterns event-ruler considers equal (an anything-but set regardless of order). */
function specIdentity(spec: ValueSpec): string {
  return 'values' in spec
    ? JSON.stringify([spec.kind, [...new Set<unknown>(spec.values)].sort()])
    : JSON.stringify(spec);
}

/**
 * Builds the byte machines event-ruler would build for the rule's wildcard sub-rules: a machine belongs to a field
 * at a name state, and sub-rules share a name state while they share the patterns that lead to it. The evaluator
 * only walks value transitions, so machines behind an `exists: false` field alone are not evaluated (as in AWS).
 */
function wildcardMachines(subRules: readonly SubRule[]): WildcardByteMachine[] {
  interface Field {
    readonly state: number;
    readonly next: Map<string, number>;
    bytes: WildcardByteMachine | undefined;
  }
  const fields = new Map<string, Field>();
  const valueEdges = new Map<number, Set<number>>();
  let nameStates = 1;
  const newNameState = (): number => nameStates++;
  for (const rule of subRules) {
    let states = [0];
    for (const path of [...rule.keys()].sort()) {
      const specs = rule.get(path) ?? [];
      const reached = new Set<number>();
      for (const state of states) {
        const key = `${state}\u0000${path}`;
        let field = fields.get(key);
        if (field === undefined) {
          field = { state, next: new Map(), bytes: undefined };
          fields.set(key, field);
        }
        // Each pattern leads to the name state it already has, else to the key's previous pattern's, else a new one.
        let last: number | undefined;
        for (const spec of specs) {
          let next: number;
          if (spec.kind === 'wildcard' || spec.kind === 'anything-but-wildcard') {
            // Wildcards build states again on every addition; their match tells which name state they lead to.
            field.bytes ??= new WildcardByteMachine();
            const values = 'values' in spec ? javaHashSetOrder(spec.values) : [spec.value];
            next = field.bytes.add(specIdentity(spec), values, last, newNameState);
          } else {
            // exists:false lives in a name matcher beside the byte machine, but shares the next name state.
            const identity = spec.kind === 'exists' && !spec.value ? '\u0000absent' : specIdentity(spec);
            next = field.next.get(identity) ?? last ?? newNameState();
            field.next.set(identity, next);
          }
          last = next;
          reached.add(next);
          if (!(spec.kind === 'exists' && !spec.value)) {
            valueEdges.set(state, (valueEdges.get(state) ?? new Set()).add(next));
          }
        }
      }
      states = [...reached];
    }
  }
  const evaluated = new Set<number>();
  const visit = (state: number): void => {
    if (evaluated.has(state)) return;
    evaluated.add(state);
    valueEdges.get(state)?.forEach(visit);
  };
  visit(0);
  return [...fields.values()].flatMap((field) =>
    field.bytes !== undefined && evaluated.has(field.state) ? [field.bytes] : [],
  );
}

/**
 * The order Java's HashSet iterates the quoted values in (event-ruler keeps anything-but values in one), which
 * decides how a set's values share states with earlier additions.
 */
function javaHashSetOrder(values: readonly string[]): string[] {
  const unique = [...new Set(values)];
  let capacity = 16;
  while (unique.length > capacity * 0.75) capacity *= 2;
  const bucket = (value: string): number => {
    let hash = 0;
    const quoted = `"${value}"`;
    for (let i = 0; i < quoted.length; i++) hash = (Math.imul(hash, 31) + quoted.charCodeAt(i)) | 0;
    return (hash ^ (hash >>> 16)) & (capacity - 1);
  };
  return unique
    .map((value, index) => ({ value, index, bucket: bucket(value) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((entry) => entry.value);
}

/** A state of the byte machine event-ruler builds for wildcard patterns, or a match (an accepted pattern). */
interface ByteNode {
  /** Byte transitions, in the order they were added. */
  readonly bytes: Map<number, number[]>;
  /** Transitions taken on any byte (a star); a star's own state loops to itself. */
  readonly any: number[];
  /** Set for states after a star: they cannot be shared with patterns that reach them differently. */
  indeterminate: boolean;
  /** The pattern a match node accepts. */
  readonly match: string | undefined;
}

const WILDCARD_CHAR = -1;
const QUOTE = 0x22;

/** Stop exploring state sets after this many; only pathological patterns get near it. */
const MAX_COMPLEXITY_STATE_SETS = 20_000;

/**
 * A replica of the part of event-ruler's ByteMachine that wildcard patterns build: states are shared along common
 * prefixes as far as event-ruler shares them (ByteMachine.addMatchValue, canReuseNextByteState,
 * findOrMakeNextByteState, insertMatch), so that complexity is counted on the same machine.
 */
class WildcardByteMachine {
  private readonly nodes: ByteNode[] = [];
  /** Match nodes by pattern and name state: equal matches are one node. */
  private readonly matchNodes = new Map<string, number>();
  private readonly matchNameState = new Map<number, number>();
  private readonly start = this.node(false);
  private readonly alphabet = new Set<number>([QUOTE]);

  private node(indeterminate: boolean, match?: string): number {
    this.nodes.push({ bytes: new Map(), any: [], indeterminate, match });
    return this.nodes.length - 1;
  }

  private at(index: number): ByteNode {
    return this.nodes[index] as ByteNode;
  }

  /** Targets on a byte: byte transitions plus any-byte transitions; on the wildcard character, any-byte only. */
  private transitions(state: number, char: number): number[] {
    const node = this.at(state);
    if (char === WILDCARD_CHAR) return node.any;
    const targets = node.bytes.get(char);
    return targets === undefined ? node.any : [...targets, ...node.any.filter((t) => !targets.includes(t))];
  }

  private link(from: number, byte: number, to: number): void {
    const bytes = this.at(from).bytes;
    const targets = bytes.get(byte) ?? [];
    if (!targets.includes(to)) bytes.set(byte, [...targets, to]);
  }

  /** CompoundByteTransition.getNextByteState: the first determinate state, else the first state. */
  private nextState(targets: readonly number[]): number | undefined {
    const states = targets.filter((t) => this.at(t).match === undefined);
    return states.find((t) => !this.at(t).indeterminate) ?? states[0];
  }

  /**
   * Adds a pattern's values and returns the name state they lead to: that of a match of the pattern already on
   * the final transition, else `nameState`, else a new one. A match is the pattern together with its name state.
   */
  add(
    identity: string,
    values: readonly string[],
    nameState: number | undefined,
    newNameState: () => number,
  ): number {
    let target = nameState;
    for (const value of values) {
      target = this.addValue(identity, value, () => (target ??= newNameState()));
    }
    return target ?? newNameState();
  }

  private addValue(identity: string, value: string, nameState: () => number): number {
    const chars = wildcardChars(value);
    chars.forEach((c) => c !== WILDCARD_CHAR && this.alphabet.add(c));
    const last = chars.length - 1;
    let state = this.start;
    let previous: number | undefined;
    let i = 0;
    // Walk existing states while event-ruler would re-use them (addMatchValue).
    for (; i < last; i++) {
      const reusable = this.transitions(state, chars[i] as number).find((next) =>
        this.canReuse(state, next, chars, i),
      );
      if (reusable === undefined) break;
      previous = state;
      state = reusable;
    }
    // addEndOfMatch: follow determinate states, then build the rest.
    for (; i < last; i++) {
      const targets = this.transitions(state, chars[i] as number);
      if (targets.length === 0) break;
      const next = this.nextState(targets);
      if (next === undefined) {
        const created = this.node(this.at(state).indeterminate);
        this.link(state, chars[i] as number, created);
        previous = state;
        state = created;
      } else {
        if (this.at(next).indeterminate) break;
        previous = state;
        state = next;
      }
    }
    for (; i < last; i++) {
      const char = chars[i] as number;
      const next = this.nextState(this.transitions(state, char));
      let target = next;
      if (target === undefined || this.at(target).indeterminate) {
        target = this.node(this.at(state).indeterminate);
        if (char === WILDCARD_CHAR) {
          this.at(target).indeterminate = true;
          this.at(target).any.push(target);
          this.at(state).any.push(target);
        } else {
          this.link(state, char, target);
          if (previous !== undefined && chars[i - 1] === WILDCARD_CHAR) this.link(previous, char, target);
        }
      }
      previous = state;
      state = target;
    }
    // insertMatch on the closing quote: re-use a match of this pattern already there, else link this one.
    const existing = this.transitions(state, QUOTE).find((t) => this.at(t).match === identity);
    if (existing !== undefined) return this.matchNameState.get(existing) as number;
    const target = nameState();
    const key = `${identity}\u0000${target}`;
    let match = this.matchNodes.get(key);
    if (match === undefined) {
      match = this.node(false, identity);
      this.matchNodes.set(key, match);
      this.matchNameState.set(match, target);
    }
    this.link(state, QUOTE, match);
    if (previous !== undefined && chars[last - 1] === WILDCARD_CHAR) this.link(previous, QUOTE, match);
    return target;
  }

  /** ByteMachine.canReuseNextByteState for byte and wildcard characters. */
  private canReuse(state: number, next: number, chars: readonly number[], i: number): boolean {
    const node = this.at(next);
    if (node.match !== undefined || next === state) return false;
    if (!node.indeterminate) return true;
    const char = chars[i] as number;
    if (char === WILDCARD_CHAR || (char >= 0x80 && char <= 0xbf)) return true;
    const any = this.at(state).any;
    if (any.length > 0 && !(any.length === 1 && any[0] === state)) return false;
    // Lower- and upper-case paths of a cased character would converge on the star's state.
    const text = new TextDecoder().decode(Uint8Array.from(utf8Char(chars, i)));
    return text.toLowerCase() === text.toUpperCase();
  }

  /**
   * MachineComplexityEvaluator.evaluate: over every set of states one value can reach, the patterns reachable
   * from each state, plus those of star states a state could enter but the value has not entered yet.
   */
  complexity(limit: number): number {
    // Patterns reachable from each node. Edges lead to newer nodes (or to matches, which lead nowhere), so the
    // newest node first is a topological order.
    const reachable = this.nodes.map((node) => new Set(node.match === undefined ? [] : [node.match]));
    for (let index = this.nodes.length - 1; index >= 0; index--) {
      const node = this.at(index);
      const into = reachable[index] as Set<string>;
      const collect = (target: number): void => {
        if (target !== index) for (const pattern of reachable[target] as Set<string>) into.add(pattern);
      };
      for (const targets of node.bytes.values()) targets.forEach(collect);
      node.any.forEach(collect);
    }
    let other = 0;
    while (this.alphabet.has(other)) other++;
    const bytes = [...this.alphabet, other];
    const cached = this.nodes.map(() => new Map<number, number[]>());
    const targetsOf = (index: number, byte: number): number[] => {
      const cache = cached[index] as Map<number, number[]>;
      let targets = cache.get(byte);
      if (targets === undefined) {
        targets = this.at(index).match === undefined ? this.transitions(index, byte) : [];
        cache.set(byte, targets);
      }
      return targets;
    };
    const step = (from: readonly number[], byte: number): number[] => {
      const to = new Set<number>();
      for (const index of from) for (const target of targetsOf(index, byte)) to.add(target);
      return [...to].sort((a, b) => a - b);
    };
    const weight = (set: readonly number[]): number => {
      const members = new Set(set);
      let total = 0;
      for (const index of set) {
        total += (reachable[index] as Set<string>).size;
        for (const loop of this.at(index).any) {
          if (!members.has(loop)) total += (reachable[loop] as Set<string>).size;
        }
      }
      return total;
    };
    const seen = new Set<string>();
    const queue: number[][] = [];
    const enqueue = (set: number[]): void => {
      const key = set.join(',');
      if (set.length > 0 && !seen.has(key)) {
        seen.add(key);
        queue.push(set);
      }
    };
    for (const byte of bytes) enqueue(step([this.start], byte));
    let max = 0;
    for (let head = 0; head < queue.length && head < MAX_COMPLEXITY_STATE_SETS; head++) {
      const set = queue[head] as number[];
      max = Math.max(max, weight(set));
      if (max > limit) return max;
      for (const byte of bytes) enqueue(step(set, byte));
    }
    return max;
  }
}

/** A wildcard value as event-ruler parses it: UTF-8 bytes of the quoted value, `*` as WILDCARD_CHAR. */
function wildcardChars(value: string): number[] {
  const encoder = new TextEncoder();
  const { segments } = parseWildcard(value);
  const chars: number[] = [QUOTE];
  segments.forEach((segment, index) => {
    if (index > 0) chars.push(WILDCARD_CHAR);
    for (const byte of encoder.encode(segment)) chars.push(byte);
  });
  chars.push(QUOTE);
  return chars;
}

/** The UTF-8 bytes of the character starting at `i` (stopping at a wildcard). */
function utf8Char(chars: readonly number[], i: number): number[] {
  const bytes = [chars[i] as number];
  for (let j = i + 1; j < chars.length && (chars[j] as number) >= 0x80 && (chars[j] as number) <= 0xbf; j++) {
    bytes.push(chars[j] as number);
  }
  return bytes;
}
