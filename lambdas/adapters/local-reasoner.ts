import type { DraftPlan, Reasoner, ReasoningRequest } from '../domain/memory/reasoner';
import { ruleDraft, type PlanningOptions } from '../domain/planning/plan';

/**
 * The reasoner offline: the deterministic rule (a warehouse spike is answered by rerouting its open orders),
 * behind the same port as Bedrock. Its drafts are valid by construction, so a retry gets the same answer.
 */
export class LocalReasoner implements Reasoner {
  constructor(private readonly options: PlanningOptions = {}) {}

  propose(request: ReasoningRequest): Promise<DraftPlan> {
    return Promise.resolve(ruleDraft(request.incident, this.options));
  }
}
