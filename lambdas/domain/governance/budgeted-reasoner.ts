import type { DraftPlan, Reasoner, ReasoningRequest } from '../memory/reasoner';
import {
  BudgetExceeded,
  budgetPeriod,
  ceilingMicroUsd,
  costMicroUsd,
  reservationMicroUsd,
  type BudgetLedger,
  type BudgetPolicy,
  type BudgetState,
} from './budget';

export interface BudgetedReasonerOptions {
  /** The agent charged, e.g. `planning-agent`. */
  readonly agent: string;
  readonly ledger: BudgetLedger;
  /** The agent's ceiling and price, read per call so a configuration change applies at once. */
  readonly policy: () => Promise<BudgetPolicy>;
  /** The output allowance of one call (the reasoner's `maxTokens`): reserved in full until settled. */
  readonly maxOutputTokens: number;
  /** Milliseconds since the epoch: which period a call is charged to. */
  readonly now: () => number;
  /** Told of every refusal (the handler publishes `budget_exceeded`). */
  readonly onExceeded?: (
    state: BudgetState,
    requestedMicroUsd: number,
    request: ReasoningRequest,
  ) => Promise<void> | void;
}

/**
 * The inference firewall's cost ceiling around a reasoner: before each model call the ledger reserves the call's
 * worst case (the whole prompt and output allowance); past the ceiling the call is not made and
 * {@link BudgetExceeded} — a ReasonerUnavailable, so the planner falls back to its rule — is thrown. After the
 * call the reservation is settled to the tokens the model reports (all of it given back when the call failed).
 */
export class BudgetedReasoner implements Reasoner {
  constructor(
    private readonly inner: Reasoner,
    private readonly options: BudgetedReasonerOptions,
  ) {
    if (!(Number.isInteger(options.maxOutputTokens) && options.maxOutputTokens > 0)) {
      throw new RangeError(`maxOutputTokens must be a positive integer, got ${options.maxOutputTokens}`);
    }
  }

  async propose(request: ReasoningRequest): Promise<DraftPlan> {
    const { agent, ledger } = this.options;
    const policy = await this.options.policy();
    const period = budgetPeriod(this.options.now());
    const reserved = reservationMicroUsd(
      JSON.stringify(request).length,
      this.options.maxOutputTokens,
      policy.price,
    );
    const reservation = await ledger.reserve(agent, period, reserved, ceilingMicroUsd(policy));
    if (!reservation.granted) {
      await this.options.onExceeded?.(reservation.state, reserved, request);
      throw new BudgetExceeded(reservation.state, reserved);
    }
    let draft: DraftPlan;
    try {
      draft = await this.inner.propose(request);
    } catch (error) {
      await ledger.settle(agent, period, -reserved, { inputTokens: 0, outputTokens: 0 });
      throw error;
    }
    const usage = draft.usage ?? { inputTokens: 0, outputTokens: 0 };
    const cost = costMicroUsd(usage, policy.price);
    await ledger.settle(agent, period, cost - reserved, usage);
    // The decision trace shows what the call cost, as charged here.
    return { ...draft, costMicroUsd: cost };
  }
}
