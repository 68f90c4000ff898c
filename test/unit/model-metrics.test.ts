import { Metrics } from '@aws-lambda-powertools/metrics';
import { ThrottlingException, ValidationException } from '@aws-sdk/client-bedrock-runtime';
import { MeteredReasoner } from '../../lambdas/handlers/shared/model-metrics';
import { BudgetExceeded } from '../../lambdas/domain/governance/budget';
import { ReasonerUnavailable } from '../../lambdas/domain/planning/errors';
import type { DraftPlan, Reasoner, ReasoningRequest } from '../../lambdas/domain/memory/reasoner';

const request = {} as ReasoningRequest;
const answering = (answer: () => Promise<DraftPlan>): Reasoner => ({ propose: answer });
const throttled = () =>
  new ReasonerUnavailable('Bedrock refused Converse', {
    cause: new ThrottlingException({ message: 'Too many requests', $metadata: {} }),
  });

/** The metric values Powertools would write in its next EMF record. */
function emitted(metrics: Metrics): Record<string, unknown> {
  const record = metrics.serializeMetrics() as unknown as Record<string, unknown>;
  const names = (
    record._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }
  ).CloudWatchMetrics[0]!.Metrics.map((m) => m.Name);
  return Object.fromEntries(names.map((name) => [name, record[name]]));
}

describe('MeteredReasoner: model calls, throttles, tokens and cost where the reasoner is called', () => {
  const metrics = () => new Metrics({ namespace: 'ProactiveAgents', serviceName: 'planning-agent' });

  it('counts a call with its tokens and its cost in dollars', async () => {
    const m = metrics();
    const draft: DraftPlan = {
      tasks: [],
      usage: { modelId: 'model', inputTokens: 1200, outputTokens: 300 },
      costMicroUsd: 2_700,
    };
    await expect(
      new MeteredReasoner(
        answering(() => Promise.resolve(draft)),
        m,
      ).propose(request),
    ).resolves.toBe(draft);
    expect(emitted(m)).toEqual({ ModelCalls: 1, InputTokens: 1200, OutputTokens: 300, ModelCostUsd: 0.0027 });
  });

  it("counts Bedrock's rate limit as a throttle, anywhere in the cause chain, and rethrows", async () => {
    const m = metrics();
    const error = throttled();
    await expect(
      new MeteredReasoner(
        answering(() => Promise.reject(error)),
        m,
      ).propose(request),
    ).rejects.toBe(error);
    expect(emitted(m)).toEqual({ ModelCalls: 1, ModelThrottles: 1 });
  });

  it('counts another refusal as a model error, not a throttle', async () => {
    const m = metrics();
    const error = new ReasonerUnavailable('retired', {
      cause: new ValidationException({ message: 'model retired', $metadata: {} }),
    });
    await expect(
      new MeteredReasoner(
        answering(() => Promise.reject(error)),
        m,
      ).propose(request),
    ).rejects.toBe(error);
    expect(emitted(m)).toEqual({ ModelCalls: 1, ModelErrors: 1 });
  });

  it('does not count a call the budget refused before it reached the model', async () => {
    const m = metrics();
    const error = new BudgetExceeded(
      { agent: 'planning-agent', period: '2026-11-20', spentMicroUsd: 10, ceilingMicroUsd: 10 },
      5,
    );
    await expect(
      new MeteredReasoner(
        answering(() => Promise.reject(error)),
        m,
      ).propose(request),
    ).rejects.toBe(error);
    expect(m.hasStoredMetrics()).toBe(false);
  });
});
