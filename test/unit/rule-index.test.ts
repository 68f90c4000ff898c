import fc from 'fast-check';
import { compilePattern, type CompiledPattern } from '../../local/eventbridge/pattern';
import { RuleIndex } from '../../local/eventbridge/rule-index';

/** What EventBridge answers for a pattern it refuses (`InvalidEventPatternException`). */
const invalidPattern = expect.objectContaining({ name: 'InvalidEventPatternException' });

/** What RuleIndex must equal: every rule matched in turn, in the order the ids were first added. */
class LinearScan<T> {
  private readonly rules = new Map<string, { pattern: CompiledPattern; value: T }>();

  add(ruleId: string, pattern: unknown, value: T): void {
    this.rules.set(ruleId, { pattern: compilePattern(pattern), value });
  }

  remove(ruleId: string): boolean {
    return this.rules.delete(ruleId);
  }

  match(event: unknown): T[] {
    return [...this.rules.values()].filter((rule) => rule.pattern.matches(event)).map((rule) => rule.value);
  }
}

const sources = ['shop.orders', 'shop.payments', 'aws.ec2', 'Shop.Orders'];
const detailTypes = ['OrderPlaced', 'OrderCancelled', 'PaymentFailed'];
const source = fc.constantFrom(...sources);
const detailType = fc.constantFrom(...detailTypes);
const status = fc.constantFrom('placed', 'cancelled', 'failed', 'PLACED');
const amount = fc.integer({ min: -10, max: 500 });

const event = fc.record(
  {
    source: fc.oneof(source, fc.constant(42), fc.constant(null)),
    'detail-type': detailType,
    detail: fc.record(
      {
        status: fc.oneof(status, fc.array(status, { maxLength: 3 })),
        amount,
        items: fc.array(fc.record({ sku: fc.constantFrom('a', 'b'), qty: fc.integer({ min: 0, max: 3 }) }), {
          maxLength: 3,
        }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['detail-type'] },
);

/** Patterns that are often indexable (exact source / detail-type) and often not. */
const fieldCondition = fc.oneof(
  fc.record({ source: fc.array(source, { minLength: 1, maxLength: 2 }) }),
  fc.record({ source: fc.constant([{ prefix: 'shop.' }]) }),
  fc.record({ source: fc.constant([{ 'equals-ignore-case': 'SHOP.ORDERS' }]) }),
  fc.record({ source: fc.constant([{ 'anything-but': 'aws.ec2' }]) }),
  fc.record({ source: fc.constant([42]) }),
  fc.record({ 'detail-type': fc.array(detailType, { minLength: 1, maxLength: 2 }) }),
  fc.record({ 'detail-type': fc.constant([{ exists: false }]) }),
  fc.record({ detail: fc.record({ status: fc.array(status, { minLength: 1, maxLength: 2 }) }) }),
  fc.record({ 'detail.amount': fc.constantFrom([{ numeric: ['>', 100] }], [0], [{ numeric: ['<=', 0] }]) }),
  fc.record({ detail: fc.record({ items: fc.record({ sku: fc.constant(['b']), qty: fc.constant([2]) }) }) }),
);
const simplePattern = fc
  .array(fieldCondition, { minLength: 1, maxLength: 3 })
  .map((parts) => Object.assign({}, ...parts) as Record<string, unknown>);
const pattern = fc.oneof(
  { weight: 4, arbitrary: simplePattern },
  { weight: 1, arbitrary: fc.tuple(simplePattern, simplePattern).map(([a, b]) => ({ $or: [a, b] })) },
);

const ruleId = fc.constantFrom('r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9');
const operation = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), id: ruleId, pattern }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), id: ruleId }) },
);

describe('RuleIndex', () => {
  it('matches exactly what a linear scan over the rules matches, in the same order', () => {
    fc.assert(
      fc.property(
        fc.array(operation, { maxLength: 25 }),
        fc.array(event, { minLength: 1, maxLength: 5 }),
        (operations, events) => {
          const index = new RuleIndex<string>();
          const scan = new LinearScan<string>();
          operations.forEach((op, step) => {
            if (op.kind === 'add') {
              const value = `${op.id}@${step}`;
              index.add(op.id, op.pattern, value);
              scan.add(op.id, op.pattern, value);
            } else {
              expect(index.remove(op.id)).toBe(scan.remove(op.id));
            }
          });
          for (const e of events) expect(index.match(e)).toEqual(scan.match(e));
        },
      ),
    );
  });

  it('returns matching rules in the order they were first added, a replaced rule keeping its place', () => {
    const index = new RuleIndex<string>();
    index.add('first', { source: ['shop.orders'] }, 'first');
    index.add('second', { detail: { status: ['placed'] } }, 'second');
    index.add('third', { source: ['shop.orders'], 'detail-type': ['OrderPlaced'] }, 'third');
    index.add('first', { 'detail-type': ['OrderPlaced'] }, 'first-replaced');

    const matched = index.match({
      source: 'shop.orders',
      'detail-type': 'OrderPlaced',
      detail: { status: 'placed' },
    });

    expect(matched).toEqual(['first-replaced', 'second', 'third']);
  });

  it('stops matching a removed rule and reports whether there was one', () => {
    const index = new RuleIndex<number>();
    index.add('r', { source: ['shop.orders'] }, 1);

    expect(index.remove('r')).toBe(true);
    expect(index.remove('r')).toBe(false);
    expect(index.match({ source: 'shop.orders' })).toEqual([]);
    expect(index.size).toBe(0);
  });

  it('leaves the index unchanged when a replacement pattern is invalid', () => {
    const index = new RuleIndex<number>();
    index.add('r', { source: ['shop.orders'] }, 1);

    expect(() => index.add('r', { source: 'shop.orders' }, 2)).toThrow(invalidPattern);
    expect(index.match({ source: 'shop.orders' })).toEqual([1]);
  });

  it('accepts compiled patterns and events as JSON text', () => {
    const index = new RuleIndex<string>();
    index.add('compiled', compilePattern('{"source":["shop.orders"]}'), 'compiled');

    expect(index.match('{"source":"shop.orders"}')).toEqual(['compiled']);
    expect(index.match('not json')).toEqual([]);
  });

  it('finds indexed rules among thousands without matching them all', () => {
    const index = new RuleIndex<number>();
    for (let i = 0; i < 5000; i++) index.add(`r${i}`, { source: [`svc.${i}`], 'detail-type': ['Done'] }, i);
    index.add('any', { 'detail-type': [{ prefix: 'Do' }] }, -1);

    expect(index.match({ source: 'svc.4321', 'detail-type': 'Done' })).toEqual([4321, -1]);
  });
});
