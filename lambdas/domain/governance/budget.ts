import { ReasonerUnavailable } from '../planning/errors';
import type { GovernanceConfig } from './governance-config';

/** What a model's tokens cost, in US dollars per million tokens (the unit of the Bedrock price list). */
export interface TokenPrice {
  readonly inputUsdPerMillionTokens: number;
  readonly outputUsdPerMillionTokens: number;
}

/** An agent's spending limit on model calls and the prices it is charged at. */
export interface BudgetPolicy {
  /** Spend allowed per UTC day, in US dollars; 0 allows no model call at all. */
  readonly dailyCeilingUsd: number;
  /** The price of the model the agent calls. */
  readonly price: TokenPrice;
}

/** Tokens a model call used, as Bedrock reports them. */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * Money is kept in integer micro-dollars: the ledger adds and compares it atomically, and a cheap call (an
 * embedding of a few hundred tokens costs a few micro-dollars) still counts.
 */
export const MICRO_USD_PER_USD = 1_000_000;

/** Prompt characters per token assumed when reserving before a call (English text runs about 4). */
const CHARS_PER_TOKEN = 3;

/** The cost of `usage` at `price`, in micro-dollars, rounded up so the ledger never under-counts. */
export function costMicroUsd(usage: TokenUsage, price: TokenPrice): number {
  const microUsd =
    usage.inputTokens * price.inputUsdPerMillionTokens + usage.outputTokens * price.outputUsdPerMillionTokens;
  return Math.ceil(microUsd - 1e-9);
}

/**
 * What to reserve before a call whose actual usage is not known yet: the prompt at a pessimistic 3 characters
 * per token and the whole output allowance. The ledger is settled with the actual cost afterwards.
 */
export function reservationMicroUsd(promptChars: number, maxOutputTokens: number, price: TokenPrice): number {
  return costMicroUsd(
    { inputTokens: Math.ceil(promptChars / CHARS_PER_TOKEN), outputTokens: maxOutputTokens },
    price,
  );
}

/** The ceiling in micro-dollars; an agent without one is bounded only by what DynamoDB numbers can count. */
export const ceilingMicroUsd = (policy: BudgetPolicy): number =>
  Math.min(Math.round(policy.dailyCeilingUsd * MICRO_USD_PER_USD), Number.MAX_SAFE_INTEGER);

/**
 * An agent's budget from the governance configuration: its `dailyCeilingUsd` (none set: no ceiling, the spend
 * is still recorded) at the price of `modelId`. A model without a price cannot be charged, so it is not called:
 * {@link ReasonerUnavailable}, and the planner falls back to its rule.
 */
export function budgetPolicyOf(config: GovernanceConfig, agent: string, modelId: string): BudgetPolicy {
  const price = config.tokenPrices[modelId];
  if (price === undefined) {
    throw new ReasonerUnavailable(
      `the governance configuration has no tokenPrices entry for ${modelId}, so its calls cannot be charged`,
    );
  }
  return { dailyCeilingUsd: config.agents[agent]?.dailyCeilingUsd ?? Number.POSITIVE_INFINITY, price };
}

/** The budget period (UTC day, `YYYY-MM-DD`) that an instant is charged to. */
export const budgetPeriod = (epochMs: number): string => new Date(epochMs).toISOString().slice(0, 10);

/** What the ledger says about one agent's period. */
export interface BudgetState {
  readonly agent: string;
  readonly period: string;
  readonly spentMicroUsd: number;
  readonly ceilingMicroUsd: number;
}

/**
 * A model call refused because it would take the agent over its ceiling. It is a {@link ReasonerUnavailable}:
 * the planner falls back to its rule (or escalates), exactly as when Bedrock itself refuses.
 */
export class BudgetExceeded extends ReasonerUnavailable {
  override name = 'BudgetExceeded';
  constructor(
    readonly state: BudgetState,
    readonly requestedMicroUsd: number,
  ) {
    super(
      `budget exceeded: ${state.agent} has spent ${formatUsd(state.spentMicroUsd)} of its ${formatUsd(state.ceilingMicroUsd)} for ${state.period}; the call would need ${formatUsd(requestedMicroUsd)} more`,
    );
  }
}

const formatUsd = (microUsd: number): string => `$${(microUsd / MICRO_USD_PER_USD).toFixed(4)}`;

/** Port: the budget ledger (DynamoDB on AWS), updated atomically so concurrent calls never overspend. */
export interface BudgetLedger {
  /**
   * Adds `microUsd` to the agent's spend for the period if the total stays within `ceilingMicroUsd`; otherwise
   * changes nothing and answers the state that refused it.
   */
  reserve(
    agent: string,
    period: string,
    microUsd: number,
    ceilingMicroUsd: number,
  ): Promise<{ readonly granted: true } | { readonly granted: false; readonly state: BudgetState }>;
  /** Corrects a reservation by the difference to the actual cost (negative gives back) and counts the call. */
  settle(agent: string, period: string, deltaMicroUsd: number, usage: TokenUsage): Promise<void>;
}
