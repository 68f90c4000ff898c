import { transformInput } from '../../local/eventbridge/target-input';

const event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'order_cancelled',
  source: 'retail.orders',
  time: '2026-11-20T10:33:41Z',
  detail: {
    orderId: 'ORD-1',
    warehouseId: 'WH-NYC',
    total: 12.5,
    items: [{ sku: 'A' }, { sku: 'B' }],
    note: 'say "hi"',
  },
};

describe('rule target input (Input, InputPath, InputTransformer)', () => {
  it('delivers the whole event by default, a constant Input, or the value at InputPath', () => {
    expect(JSON.parse(transformInput({}, event))).toEqual(event);
    expect(transformInput({ input: '{"fixed":true}' }, event)).toBe('{"fixed":true}');
    expect(JSON.parse(transformInput({ inputPath: '$.detail' }, event))).toEqual(event.detail);
    expect(JSON.parse(transformInput({ inputPath: '$.detail.items[1]' }, event))).toEqual({ sku: 'B' });
  });

  it('fills an InputTemplate: strings inside quotes raw and escaped, other values as JSON', () => {
    const input = transformInput(
      {
        inputTransformer: {
          inputPathsMap: {
            order: '$.detail.orderId',
            total: '$.detail.total',
            items: '$.detail.items',
            note: '$.detail.note',
          },
          inputTemplate: '{"message": "order <order> cancelled: <note>", "total": <total>, "items": <items>}',
        },
      },
      event,
    );
    expect(JSON.parse(input)).toEqual({
      message: 'order ORD-1 cancelled: say "hi"',
      total: 12.5,
      items: [{ sku: 'A' }, { sku: 'B' }],
    });
  });

  it('gives a plain-text template the raw string, and knows <aws.events.event>', () => {
    const text = transformInput(
      {
        inputTransformer: {
          inputPathsMap: { w: '$.detail.warehouseId' },
          inputTemplate: 'warehouse <w> is failing',
        },
      },
      event,
    );
    expect(text).toBe('warehouse WH-NYC is failing');
    const whole = transformInput(
      { inputTransformer: { inputTemplate: '{"e": <aws.events.event.json>}' } },
      event,
    );
    expect(JSON.parse(whole)).toEqual({ e: event });
  });

  it('fills the predefined variables: the event without its detail, the rule, and when the bus took the event', () => {
    const input = transformInput(
      {
        inputTransformer: {
          inputTemplate:
            '{"envelope": <aws.events.event>, "rule": "<aws.events.rule-name>", "arn": <aws.events.rule-arn>, "at": "<aws.events.event.ingestion-time>"}',
        },
      },
      event,
      {
        ruleName: 'cancellations',
        ruleArn: 'arn:aws:events:eu-west-1:123456789012:rule/bus/cancellations',
        ingestionTime: '2026-11-20T10:31:09Z',
      },
    );
    const { detail: _detail, ...envelope } = event;
    expect(JSON.parse(input)).toEqual({
      envelope,
      rule: 'cancellations',
      arn: 'arn:aws:events:eu-west-1:123456789012:rule/bus/cancellations',
      at: '2026-11-20T10:31:09Z',
    });
  });

  it('reads bracketed keys, and rejects a path that does not start at the root', () => {
    const atPath = (inputPath: string) => JSON.parse(transformInput({ inputPath }, event)) as unknown;

    expect(atPath("$['detail-type']")).toBe('order_cancelled');
    expect(atPath('$.detail.missing.deeper')).toBeNull();
    expect(() => atPath('detail')).toThrow(
      expect.objectContaining({
        name: 'InputTransformError',
        message: 'invalid JSONPath "detail": must start with $',
      }),
    );
  });
});
