import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { ContractViolation, UnknownDetailType } from '../../lambdas/domain/contracts/errors';
import { parseDetail, parseEvent } from '../../lambdas/domain/contracts/parse';
import { contracts, eventJsonSchema, type DetailType } from '../../lambdas/domain/contracts/registry';
import { describeEvent } from '../../lambdas/domain/contracts/describe';

const fixture = (detailType: string, name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(path.join(__dirname, '..', 'events', detailType, `${name}.json`), 'utf8'),
  ) as Record<string, unknown>;

const violationOf = (work: () => unknown): ContractViolation => {
  try {
    work();
  } catch (error) {
    if (error instanceof ContractViolation) return error;
    throw error;
  }
  throw new Error('expected a ContractViolation');
};

describe('retail contracts', () => {
  it('accept an order_placed exactly as an order service emits it, keeping unknown fields', () => {
    const event = parseEvent(fixture('order_placed', 'from-order-service'), ['order_placed']);
    expect(event.detail).toMatchObject({
      orderId: 'ORD-10492',
      channel: 'mobile-app',
      promotionCode: null,
      schemaVersion: 1,
    });
    expect(event.time).toBe('2026-11-20T10:31:07Z');
  });

  it('default schemaVersion to 1 and require no platform field', () => {
    const { detail } = parseEvent(fixture('order_cancelled', 'from-order-service'), ['order_cancelled']);
    expect(detail.schemaVersion).toBe(1);
    expect(detail).not.toHaveProperty('correlationId');
  });

  it('name the missing field when one is absent', () => {
    const event = fixture('order_placed', 'from-order-service');
    delete (event.detail as Record<string, unknown>).warehouseId;
    const violation = violationOf(() => parseEvent(event, ['order_placed']));
    expect(violation.field).toBe('detail.warehouseId');
    expect(violation.message).toMatch(/^order_placed: detail\.warehouseId: /);
  });

  it('name the nested field when a type is wrong', () => {
    const event = fixture('order_placed', 'from-order-service');
    (event.detail as { items: { quantity: unknown }[] }).items[1]!.quantity = 'one';
    expect(violationOf(() => parseEvent(event, ['order_placed'])).field).toBe('detail.items.1.quantity');
  });

  it('reject a body that is not JSON, and a detail-type the caller does not handle', () => {
    expect(violationOf(() => parseEvent('{"detail-type": ', ['order_placed'])).field).toBe('(event)');
    const other = violationOf(() =>
      parseEvent(fixture('order_cancelled', 'from-order-service'), ['order_placed']),
    );
    expect(other).toBeInstanceOf(UnknownDetailType);
    expect(other.field).toBe('detail-type');
  });

  it('name envelope fields too (an event without a time)', () => {
    const event = fixture('order_placed', 'from-order-service');
    delete event.time;
    expect(violationOf(() => parseEvent(event, ['order_placed'])).field).toBe('time');
  });

  it('accept any valid order_placed with arbitrary extra fields (property)', () => {
    const order = fc.record({
      orderId: fc.string({ minLength: 1 }),
      customerId: fc.string({ minLength: 1 }),
      warehouseId: fc.string({ minLength: 1 }),
      region: fc.string({ minLength: 1 }),
      items: fc.array(
        fc.record({ sku: fc.string({ minLength: 1 }), quantity: fc.integer({ min: 1, max: 1000 }) }),
        { minLength: 1 },
      ),
      total: fc.double({ min: 0, max: 1e7, noNaN: true }),
    });
    const extras = fc.dictionary(
      fc
        .string({ minLength: 1 })
        .filter(
          (k) =>
            ![
              'orderId',
              'customerId',
              'warehouseId',
              'region',
              'items',
              'total',
              'schemaVersion',
              '__proto__',
            ].includes(k),
        ),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(order, extras, (detail, extra) => {
        const parsed = parseDetail('order_placed', { ...extra, ...detail });
        expect(parsed).toMatchObject(detail);
        for (const key of Object.keys(extra)) expect(parsed).toHaveProperty([key]);
      }),
    );
  });
});

describe('platform contracts', () => {
  it('require schemaVersion and correlationId on every platform event', () => {
    const spike = fixture('order_cancellation_spike', 'warehouse');
    const detail = { ...(spike.detail as Record<string, unknown>) };
    expect(() => parseDetail('order_cancellation_spike', detail)).not.toThrow();
    delete detail.correlationId;
    expect(violationOf(() => parseDetail('order_cancellation_spike', detail)).field).toBe(
      'detail.correlationId',
    );
    for (const detailType of Object.keys(contracts) as DetailType[]) {
      if (contracts[detailType].source.startsWith('retail.')) continue;
      const schema = eventJsonSchema(detailType) as { properties: { detail: { required?: string[] } } };
      expect(schema.properties.detail.required).toEqual(
        expect.arrayContaining(['schemaVersion', 'correlationId']),
      );
    }
  });

  it('publish each contract as a draft-4 JSON Schema of the whole event', () => {
    const schema = eventJsonSchema('reroute_complete') as {
      $schema: string;
      properties: { source: { enum: string[] }; detail: { properties: Record<string, unknown> } };
    };
    expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(schema.properties.source.enum).toEqual(['proactive.fulfillment']);
    expect(Object.keys(schema.properties.detail.properties)).toEqual(
      expect.arrayContaining(['destinations', 'reroutedCount', 'totalCost', 'assignmentsRef', 'taskToken']),
    );
  });

  it('describe a spike in one line for the timeline', () => {
    const spike = fixture('order_cancellation_spike', 'warehouse');
    expect(describeEvent('order_cancellation_spike', spike.detail)).toBe(
      'spike at warehouse WH-NYC: cancellation ratio 45.0% vs baseline 4.8% (9 cancelled, 20 placed, 10:35–10:40, p=3.6e-6)',
    );
    expect(describeEvent('made_up', { a: 1 })).toBe('unknown detail-type {"a":1}');
  });
});
