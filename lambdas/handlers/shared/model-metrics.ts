import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { ServiceQuotaExceededException, ThrottlingException } from '@aws-sdk/client-bedrock-runtime';
import { BudgetExceeded } from '../../domain/governance/budget';
import type { DraftPlan, Reasoner, ReasoningRequest } from '../../domain/memory/reasoner';

/** Whether Bedrock refused the call for its rate or quota (anywhere in the `cause` chain). */
function rateLimited(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof ThrottlingException || e instanceof ServiceQuotaExceededException) return true;
  }
  return false;
}

/**
 * Counts the model calls where the reasoner is called (namespace and `service` dimension from Powertools):
 * `ModelCalls`, `ModelThrottles` (Bedrock's rate limit, after the client's retries), `ModelErrors`,
 * `InputTokens`, `OutputTokens` and `ModelCostUsd` (as the inference firewall charged it). A call the budget
 * refused before reaching the model is not a model call (the firewall counts it as `BudgetExceeded`).
 */
export class MeteredReasoner implements Reasoner {
  constructor(
    private readonly inner: Reasoner,
    private readonly metrics: Metrics,
  ) {}

  async propose(request: ReasoningRequest): Promise<DraftPlan> {
    let draft: DraftPlan;
    try {
      draft = await this.inner.propose(request);
    } catch (error) {
      if (!(error instanceof BudgetExceeded)) {
        this.metrics.addMetric('ModelCalls', MetricUnit.Count, 1);
        this.metrics.addMetric(rateLimited(error) ? 'ModelThrottles' : 'ModelErrors', MetricUnit.Count, 1);
      }
      throw error;
    }
    this.metrics.addMetric('ModelCalls', MetricUnit.Count, 1);
    if (draft.usage) {
      this.metrics.addMetric('InputTokens', MetricUnit.Count, draft.usage.inputTokens);
      this.metrics.addMetric('OutputTokens', MetricUnit.Count, draft.usage.outputTokens);
    }
    if (draft.costMicroUsd !== undefined)
      this.metrics.addMetric('ModelCostUsd', MetricUnit.NoUnit, draft.costMicroUsd / 1e6);
    return draft;
  }
}
