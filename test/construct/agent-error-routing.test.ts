import { contracts, producedBy } from '../../lambdas/domain/contracts/registry';
import { matchesPattern } from '../../local/eventbridge/pattern';
import { rendered, synthStack } from './stack-fixture';

/**
 * `agent_error` is announced by an agent that kept an event in its DLQ for good. No rule may route it back into an
 * agent: an agent rejecting its own announcement would announce that too, without end.
 */
describe('agent_error routing', () => {
  const { stack, template } = synthStack();
  // The consoles' push rule carries every platform event, agent_error included, to the operators: its function
  // publishes nothing (no events:PutEvents; test/construct/live-events-api.test.ts), so nothing comes back.
  const consolePush = stack.getLogicalId(stack.liveEvents.push.rule!.node.defaultChild as never);
  const rules = Object.entries(template.findResources('AWS::Events::Rule'))
    .filter(([id]) => id !== consolePush)
    .map(([id, rule]) => ({ id, pattern: rendered(rule.Properties.EventPattern) }));
  const producers = Object.values(contracts)
    .filter((contract) => contract.detailType === 'agent_error')
    .flatMap((contract) => [contract.source, ...(contract.otherSources ?? [])]);

  /** The announcement as the bus delivers it, from `source`. */
  const announcement = (source: string) => ({
    version: '0',
    id: 'b3f0c1f2-0000-4000-8000-000000000001',
    'detail-type': 'agent_error',
    source,
    account: '123456789012',
    time: '2026-11-20T08:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      schemaVersion: 1,
      correlationId: 'poison-pill-0001',
      agent: 'fulfillment-order-book',
      error: 'ValidationException',
      reason: 'Size of hashkey has exceeded the maximum size limit of 2048 bytes',
      eventId: 'poison-pill-0001',
      eventDetailType: 'order_placed',
    },
  });

  it('is produced by the agents that keep events in a DLQ, as their own sources', () => {
    expect(producers.sort()).toEqual([
      'proactive.fulfillment',
      'proactive.monitoring',
      'proactive.operations',
    ]);
    for (const source of producers) expect(producedBy(contracts.agent_error, source)).toBe(true);
  });

  it('matches no rule on the bus, from any of its producers (the rules are there to be checked)', () => {
    expect(rules.length).toBeGreaterThan(5);
    const routed = producers.flatMap((source) =>
      rules
        .filter((rule) => matchesPattern(rule.pattern, announcement(source)))
        .map((rule) => `${source} → ${rule.id}`),
    );
    expect(routed).toEqual([]);
  });
});
