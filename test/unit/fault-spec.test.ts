import { parseFaults } from '../../local/faults';

const services = [
  'monitoring-agent',
  'fulfillment-order-book',
  'fulfillment-network',
  'fulfillment-agent',
  'saga-callback',
];

describe('parseFaults', () => {
  it('names an agent by its service name, or by a prefix that fits it alone', () => {
    expect(parseFaults(['lambda-timeout=fulfillment-agent'], services).sandbox.lambdaTimeout).toEqual({
      service: 'fulfillment-agent',
      timeoutSeconds: 0.25,
      forSeconds: 1800,
    });
    expect(parseFaults(['slow-consumer=monitoring'], services).sandbox.slowConsumer).toMatchObject({
      service: 'monitoring-agent',
    });
  });

  it('refuses a prefix that fits several agents, listing them, instead of picking one', () => {
    expect(() => parseFaults(['lambda-timeout=fulfillment'], services)).toThrow(
      expect.objectContaining({
        name: 'FaultSpecError',
        message:
          '--fault lambda-timeout: "fulfillment" is ambiguous, it could be fulfillment-order-book, fulfillment-network, fulfillment-agent; name one of them',
      }),
    );
  });

  it('refuses an unknown agent, a missing one and an unknown drill, each with what it accepts', () => {
    expect(() => parseFaults(['slow-consumer=billing'], services)).toThrow(
      /no agent "billing" \(one of monitoring-agent, fulfillment-order-book/,
    );
    expect(() => parseFaults(['lambda-timeout'], services)).toThrow(/needs an agent: lambda-timeout=<agent>/);
    expect(() => parseFaults(['meteor-strike'], services)).toThrow(/unknown fault "meteor-strike"; drills: /);
  });
});
