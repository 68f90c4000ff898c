import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { compilePattern, leafReader, literalKeyOf, matchesPattern } from '../../local/eventbridge/pattern';

/** What EventBridge answers for a pattern it refuses (`InvalidEventPatternException`). */
const invalidPattern = expect.objectContaining({ name: 'InvalidEventPatternException' });

interface PatternVector {
  readonly id: string;
  readonly pattern: unknown;
  readonly event: unknown;
  readonly expected: boolean | 'invalid';
  readonly source: string;
  readonly basis: string;
  readonly operators: readonly string[];
}

// The 648 documented cases, copied from shared/eventbridge/ so that a clone of the repository alone runs them.
const vectors = JSON.parse(
  readFileSync(resolve(__dirname, '../fixtures/eventbridge/pattern-vectors.json'), 'utf8'),
) as PatternVector[];

describe('matchesPattern against the shared pattern vectors', () => {
  it('reads every vector', () => {
    expect(vectors).toHaveLength(648);
  });

  test.each(vectors.map((vector) => [vector.id, vector] as const))('%s', (_id, vector) => {
    if (vector.expected === 'invalid') {
      expect(() => matchesPattern(vector.pattern, vector.event)).toThrow(invalidPattern);
    } else {
      expect(matchesPattern(vector.pattern, vector.event)).toBe(vector.expected);
    }
  });
});

const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'source-ip': '10.0.0.33',
  },
};

describe('matchesPattern on documented behaviour', () => {
  const examples: readonly [string, unknown, unknown, boolean][] = [
    [
      'matches exact envelope and detail values',
      { source: ['aws.ec2'], detail: { state: ['terminated'] } },
      ec2Event,
      true,
    ],
    ['matches any value of the list', { source: ['aws.s3', 'aws.ec2'] }, ec2Event, true],
    ['does not match a missing field', { detail: { missing: ['x'] } }, ec2Event, false],
    ['matches an array event field when any element matches', { tags: ['b'] }, { tags: ['a', 'b'] }, true],
    ['matches null exactly', { a: [null] }, { a: null }, true],
    ['does not match the string "null" with null', { a: [null] }, { a: 'null' }, false],
    ['matches the empty string exactly', { a: [''] }, { a: '' }, true],
    ['compares numbers by value', { a: [300] }, { a: 300.0 }, true],
    ['does not match a number with its string form', { a: [300] }, { a: '300' }, false],
    ['treats dotted pattern keys as nesting', { 'detail.state': ['terminated'] }, ec2Event, true],
    ['treats dotted event keys as nesting', { a: { b: ['x'] } }, { 'a.b': 'x' }, true],
    ['matches prefix', { time: [{ prefix: '2017-12' }] }, ec2Event, true],
    [
      'matches prefix ignoring case',
      { source: [{ prefix: { 'equals-ignore-case': 'AWS.' } }] },
      ec2Event,
      true,
    ],
    [
      'matches suffix ignoring case',
      { a: [{ suffix: { 'equals-ignore-case': '.PNG' } }] },
      { a: 'x.png' },
      true,
    ],
    ['matches equals-ignore-case', { a: [{ 'equals-ignore-case': 'ALICE' }] }, { a: 'alice' }, true],
    [
      'matches equals-ignore-case per character ("ß" ~ "SS")',
      { a: [{ 'equals-ignore-case': 'ß' }] },
      { a: 'SS' },
      true,
    ],
    ['matches wildcards anywhere', { a: [{ wildcard: 'dir/*.png' }] }, { a: 'dir/sub/x.png' }, true],
    ['matches an escaped wildcard star literally', { a: [{ wildcard: 'a\\*c' }] }, { a: 'abc' }, false],
    ['does not match a non-empty value with an empty wildcard', { a: [{ wildcard: '' }] }, { a: 'x' }, false],
    ['matches anything-but a different value', { a: [{ 'anything-but': 'x' }] }, { a: 'y' }, true],
    ['matches anything-but on null', { a: [{ 'anything-but': 'x' }] }, { a: null }, true],
    ['does not match anything-but on a missing field', { a: [{ 'anything-but': 'x' }] }, { b: 1 }, false],
    [
      'matches anything-but a prefix list',
      { a: [{ 'anything-but': { prefix: ['x', 'y'] } }] },
      { a: 'za' },
      true,
    ],
    [
      'excludes by anything-but suffix',
      { a: [{ 'anything-but': { suffix: '.png' } }] },
      { a: 'a.png' },
      false,
    ],
    [
      'excludes by anything-but wildcard',
      { a: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      { a: '/usr/lib/x' },
      false,
    ],
    ['matches numeric ranges', { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'c-count': 5 }, true],
    ['does not match a string with numeric', { a: [{ numeric: ['>', 0] }] }, { a: '5' }, false],
    ['matches the numeric limit inclusively', { a: [{ numeric: ['>', 4999999999] }] }, { a: 5e9 }, true],
    ['does not compare numbers beyond the numeric limit', { a: [{ numeric: ['>', 0] }] }, { a: 6e9 }, false],
    ['matches IPv4 CIDR blocks', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, ec2Event, true],
    ['matches IPv6 CIDR blocks', { a: [{ cidr: '2001:db8::/32' }] }, { a: '2001:0db8:0:0::1' }, true],
    ['matches an exact IP however it is written', { a: ['::1'] }, { a: '0:0:0:0:0:0:0:1' }, true],
    ['matches exists: true on a null leaf', { a: [{ exists: true }] }, { a: null }, true],
    ['does not match exists: true on an object', { a: [{ exists: true }] }, { a: { b: 1 } }, false],
    ['matches exists: false on an object (not a leaf)', { a: [{ exists: false }] }, { a: { b: 1 } }, true],
    ['does not match exists: true on an empty array', { a: [{ exists: true }] }, { a: [] }, false],
    ['matches $or alternatives', { $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '2' }, true],
    ['matches fields of one array element', { d: { x: [1], y: [2] } }, { d: [{ x: 1, y: 2 }] }, true],
    [
      'does not combine fields of different array elements',
      { d: { x: [1], y: [2] } },
      { d: [{ x: 1 }, { y: 2 }] },
      false,
    ],
    [
      'checks exists: false within the array element chosen so far',
      { d: { a: [1], b: [{ exists: false }] } },
      { d: [{ a: 1 }, { b: 2 }] },
      true,
    ],
    [
      'checks exists: false before later fields choose an element',
      { d: { a: [{ exists: false }], b: [2] } },
      { d: [{ a: 1 }, { b: 2 }] },
      false,
    ],
    [
      'lets a prefix reach the closing quote, as event-ruler does',
      { a: [{ prefix: 'ab"' }] },
      { a: 'ab' },
      true,
    ],
    [
      'walks a number through a CIDR block, as event-ruler does',
      { a: [{ cidr: '0.0.0.0/1' }] },
      { a: 42 },
      true,
    ],
    ['accepts the event as JSON text', { a: ['x'] }, '{"a":"x"}', true],
    ['matches nothing for a non-object event', { a: ['x'] }, ['x'], false],
  ];

  test.each(examples)('%s', (_name, pattern, event, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it('accepts the pattern as JSON text', () => {
    expect(matchesPattern('{"source":["aws.ec2"]}', ec2Event)).toBe(true);
  });

  it('uses the last of two keys with the same path', () => {
    const pattern = '{"detail":{"location":[{"prefix":"us-"}],"location":[{"anything-but":"us-east"}]}}';
    expect(matchesPattern(pattern, { detail: { location: 'eu-west' } })).toBe(true);
  });

  it('reads envelope fields, leaves and arrays with leafReader', () => {
    const read = leafReader('detail.items.sku');
    expect(read({ detail: { items: [{ sku: 'a' }, { sku: ['b', 'c'] }, { other: 1 }] } })).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(read({ detail: { 'items.sku': 'd' } })).toEqual(['d']);
  });

  it('keys literals equal when exact matching considers them equal', () => {
    expect(literalKeyOf(300)).toBe(literalKeyOf(300.0));
    expect(literalKeyOf(0)).toBe(literalKeyOf(-0));
    expect(literalKeyOf('300')).not.toBe(literalKeyOf(300));
    expect(literalKeyOf({})).toBeUndefined();
  });
});

describe('compilePattern validation', () => {
  const rejections: readonly [string, unknown, RegExp][] = [
    ['a non-object pattern', [1, 2, 3], /Filter is not an object/],
    ['a pattern that is not JSON', '{"a": [', /not valid JSON/],
    ['a bare value', { source: 'aws.ec2' }, /"source" must be an object or an array/],
    ['an empty array', { a: [] }, /Empty arrays are not allowed/],
    ['an empty object', { a: {} }, /Empty objects are not allowed/],
    ['a nested array value', { a: [[1]] }, /Match value must be String, number, true, false, or null/],
    ['an unknown operator', { a: [{ foo: 1 }] }, /Unrecognized match type foo/],
    ['an operator in the wrong case', { a: [{ EXISTS: true }] }, /Unrecognized match type EXISTS/],
    ['two keys in a match expression', { a: [{ prefix: 'a', suffix: 'b' }] }, /Only one key allowed/],
    ['a non-string prefix', { a: [{ prefix: 1 }] }, /prefix match pattern must be a string/],
    [
      'an anything-but empty prefix',
      { a: [{ 'anything-but': { prefix: '' } }] },
      /Null prefix\/suffix not allowed/,
    ],
    [
      'anything-but null',
      { a: [{ 'anything-but': null }] },
      /must be an array or single string\/number value/,
    ],
    ['a mixed anything-but list', { a: [{ 'anything-but': ['a', 1] }] }, /mixed type is not supported/],
    [
      'an anything-but prefix with equals-ignore-case',
      { a: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'a' } } }] },
      /anything-but must be an array or single/,
    ],
    ['consecutive wildcards', { a: [{ wildcard: 'abc**def' }] }, /Consecutive wildcard characters at pos 4/],
    ['a bad wildcard escape', { a: [{ wildcard: 'a\\b' }] }, /Invalid escape character at pos 2/],
    ['a too complex wildcard', { a: [{ wildcard: '*:*:*:*:*:event-bus/*' }] }, /Rule is too complex/],
    ['a reversed numeric range', { a: [{ numeric: ['>', 30, '<', 1] }] }, /Bottom must be less than top/],
    [
      'a numeric range with two lower bounds',
      { a: [{ numeric: ['>', 0, '>', 0] }] },
      /Bad numeric range operator: >/,
    ],
    [
      'a numeric operand beyond the limit',
      { a: [{ numeric: ['>', 6e9] }] },
      /Value must be between -5.0E9 and 5.0E9/,
    ],
    ['a string numeric operand', { a: [{ numeric: ['=', '5'] }] }, /Value of equals must be numeric/],
    ['a truncated numeric range', { a: [{ numeric: ['>', 0, '<'] }] }, /Value of < must be numeric/],
    ['a non-boolean exists', { a: [{ exists: 'yes' }] }, /exists match pattern must be either true or false/],
    ['a malformed CIDR', { a: [{ cidr: 'bad-filter' }] }, /Malformed CIDR, one '\/' required/],
    ['a full-length IPv4 mask', { a: [{ cidr: '10.0.0.0/32' }] }, /IPv4 mask bits must be < 32/],
    ['a single $or branch', { $or: [{ a: ['1'] }] }, /at least 2 Objects in \$or/],
    ['an $or object', { $or: { a: ['1'] } }, /It must be an Array followed with \$or/],
    [
      'a reserved key inside $or',
      { $or: [{ numeric: ['1'] }, { b: ['2'] }] },
      /numeric is Ruler reserved fieldName/,
    ],
    [
      'more than 1000 $or combinations',
      { x: { $or: branches(11, 'x') }, y: { $or: branches(11, 'y') }, z: { $or: branches(10, 'z') } },
      /1210 \$or combinations; at most 1000/,
    ],
  ];

  test.each(rejections)('rejects %s', (_name, pattern, message) => {
    expect(() => compilePattern(pattern)).toThrow(message);
  });

  it('names the error as EventBridge does and keeps the JSON error as cause', () => {
    let caught: unknown;
    try {
      compilePattern('{');
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ name: 'InvalidEventPatternException', cause: expect.any(SyntaxError) });
  });

  it('accepts exactly 1000 $or combinations', () => {
    const pattern = {
      x: { $or: branches(10, 'x') },
      y: { $or: branches(10, 'y') },
      z: { $or: branches(10, 'z') },
    };
    expect(() => compilePattern(pattern)).not.toThrow();
  });

  it('accepts a long wildcard with little repetition', () => {
    expect(() => compilePattern({ a: [{ wildcard: '/Users/*/dir/dir/dir/dir/dir/doc.txt' }] })).not.toThrow();
  });
});

function branches(count: number, prefix: string): Record<string, string[]>[] {
  return Array.from({ length: count }, (_, i) => ({ [`${prefix}${i}`]: [`v${i}`] }));
}

// ---------------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Field names without dots or `$`, so that building and splitting paths is unambiguous. */
const fieldName = fc.constantFrom('a', 'b', 'c', 'detail', 'source', 'id', 'x', 'y');
const scalar = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('a', 'A', 'ab', 'aws.ec2', '10.0.0.1', ''),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);
const eventValue: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(scalar, { maxLength: 3 }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fieldName, tie('value'), { maxKeys: 3 }),
  ),
})).value;
const eventObject = fc.dictionary(fieldName, eventValue, { minKeys: 1, maxKeys: 4 });

/** Leaves outside arrays of objects, with their paths: a pattern on several of them always fits one event. */
function plainLeaves(value: Json, path: string[], out: { path: string[]; value: Json }[]): void {
  if (Array.isArray(value)) {
    const element = value.find((v) => v === null || typeof v !== 'object');
    if (element !== undefined) out.push({ path, value: element });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) plainLeaves(child, [...path, key], out);
  } else {
    out.push({ path, value });
  }
}

function nest(path: readonly string[], values: unknown[]): Record<string, unknown> {
  const [head, ...rest] = path;
  return { [head as string]: rest.length === 0 ? values : nest(rest, values) };
}

function merge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (
      existing !== null &&
      typeof existing === 'object' &&
      !Array.isArray(existing) &&
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value)
    ) {
      merge(existing as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = value;
    }
  }
  return target;
}

/** A match expression that holds for the value, chosen by `choice`. */
function matcherFor(value: Json, choice: number, cut: number): unknown {
  if (typeof value === 'string') {
    const at = Math.min(cut, value.length);
    const options = [
      value,
      { prefix: value.slice(0, at) },
      { suffix: value.slice(at) },
      { wildcard: `${value.slice(0, at).replace(/[\\*]/g, '\\$&')}*` },
      { exists: true },
    ];
    return options[choice % options.length];
  }
  if (typeof value === 'number') {
    const options = [value, { numeric: ['=', value] }, { numeric: ['>=', value] }, { exists: true }];
    return options[choice % options.length];
  }
  return choice % 2 === 0 ? value : { exists: true };
}

const validPattern = (pattern: unknown): boolean => {
  try {
    compilePattern(pattern);
    return true;
  } catch {
    return false;
  }
};

/** Small patterns over the same field names as the events, with every kind of value matcher. */
const valueMatcher = fc.oneof(
  scalar,
  fc.record({ prefix: fc.string({ maxLength: 3 }) }),
  fc.record({ suffix: fc.string({ maxLength: 3 }) }),
  fc.record({ 'equals-ignore-case': fc.constantFrom('a', 'AB', 'Aws.EC2') }),
  fc.record({ wildcard: fc.constantFrom('*', 'a*', '*b', 'a*b', '') }),
  fc.record({ 'anything-but': fc.oneof(fc.constantFrom('a', 'ab'), fc.integer({ min: -5, max: 5 })) }),
  fc.record({ 'anything-but': fc.record({ prefix: fc.constantFrom('a', 'aw') }) }),
  fc.record({ numeric: fc.constantFrom(['>', 0], ['<=', 10], ['>=', -1, '<', 1], ['=', 0]) }),
  fc.record({ exists: fc.boolean() }),
  fc.record({ cidr: fc.constantFrom('10.0.0.0/8', '0.0.0.0/1') }),
);
const patternObject: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ object: Record<string, unknown> }>(
  (tie) => ({
    object: fc.dictionary(
      fieldName,
      fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.array(valueMatcher, { minLength: 1, maxLength: 3 }),
        tie('object'),
      ),
      { minKeys: 1, maxKeys: 3 },
    ),
  }),
).object;

/** The same pattern with some nested keys written as dotted keys. */
function dotted(
  pattern: Record<string, unknown>,
  flatten: readonly boolean[],
  depth = 0,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      out[key] = value;
      continue;
    }
    const inner = dotted(value as Record<string, unknown>, flatten, depth + 1);
    if (flatten[depth % flatten.length] === true) {
      for (const [innerKey, innerValue] of Object.entries(inner)) out[`${key}.${innerKey}`] = innerValue;
    } else {
      out[key] = inner;
    }
  }
  return out;
}

describe('matchesPattern properties', () => {
  it('matches an event with a pattern built from its own leaves', () => {
    fc.assert(
      fc.property(
        eventObject,
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(10)), { minLength: 1, maxLength: 4 }),
        (event, picks) => {
          const leaves: { path: string[]; value: Json }[] = [];
          plainLeaves(event, [], leaves);
          fc.pre(leaves.length > 0);
          const pattern: Record<string, unknown> = {};
          for (const [which, choice, cut] of picks) {
            const leaf = leaves[which % leaves.length] as { path: string[]; value: Json };
            merge(pattern, nest(leaf.path, [matcherFor(leaf.value, choice, cut)]));
          }
          fc.pre(validPattern(pattern));
          expect(matchesPattern(pattern, event)).toBe(true);
        },
      ),
    );
  });

  it('makes anything-but [v] the negation of [v] on a present scalar field', () => {
    const excluded = fc.oneof(fc.stringMatching(/^[a-z]{0,6}$/), fc.integer({ min: -1e6, max: 1e6 }));
    fc.assert(
      fc.property(excluded, fc.oneof(scalar, excluded), fieldName, fc.boolean(), (v, w, field, same) => {
        const event = { [field]: same ? v : w };
        const positive = matchesPattern({ [field]: [v] }, event);
        const negative = matchesPattern({ [field]: [{ 'anything-but': [v] }] }, event);
        expect(negative).toBe(!positive);
      }),
    );
  });

  it('makes $or match exactly when one of its branches matches', () => {
    fc.assert(
      fc.property(patternObject, patternObject, eventObject, (first, second, event) => {
        const either = { $or: [first, second] };
        fc.pre(validPattern(first) && validPattern(second) && validPattern(either));
        expect(matchesPattern(either, event)).toBe(
          matchesPattern(first, event) || matchesPattern(second, event),
        );
      }),
    );
  });

  it('treats dotted keys like nested keys', () => {
    fc.assert(
      fc.property(
        patternObject,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
        eventObject,
        (nested, flatten, event) => {
          fc.pre(validPattern(nested));
          expect(matchesPattern(dotted(nested, flatten), event)).toBe(matchesPattern(nested, event));
        },
      ),
    );
  });

  it('compares numbers however they are written', () => {
    // Up to ±5e9 with three decimals, built from text so that the value is exactly the decimal written.
    const number = fc
      .tuple(
        fc.boolean(),
        fc.integer({ min: 0, max: 4999 }),
        fc.integer({ min: 0, max: 999_999 }),
        fc.nat(999),
      )
      .map(([negative, millions, units, thousandths]) =>
        Number(
          `${negative ? '-' : ''}${millions * 1_000_000 + units}.${String(thousandths).padStart(3, '0')}`,
        ),
      );
    fc.assert(
      fc.property(
        number,
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        (n, left, right) => {
          const forms = [String(n), n.toFixed(4), n.toExponential(), n.toExponential().toUpperCase()];
          const patternText = forms[left] as string;
          const eventText = forms[right] as string;
          const event = `{"x":${eventText}}`;
          expect(matchesPattern(`{"x":[{"numeric":["=",${patternText}]}]}`, event)).toBe(true);
          expect(matchesPattern(`{"x":[${patternText}]}`, event)).toBe(true);
          expect(matchesPattern(`{"x":[{"anything-but":[${patternText}]}]}`, event)).toBe(false);
        },
      ),
    );
  });

  it('matches the same with a compiled pattern reused across events as with matchesPattern', () => {
    fc.assert(
      fc.property(patternObject, fc.array(eventObject, { minLength: 1, maxLength: 5 }), (pattern, events) => {
        fc.pre(validPattern(pattern));
        const compiled = compilePattern(pattern);
        for (const event of events) expect(compiled.matches(event)).toBe(matchesPattern(pattern, event));
      }),
    );
  });
});
