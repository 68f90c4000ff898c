import { MICRO_USD_PER_USD } from '../governance/budget';
import type { AutonomyLevel, GovernanceConfig } from '../governance/governance-config';
import { kpisOf, type KpiDeclaration } from './kpis';

/** One agent as operators see it: its autonomy level and, if it has a ceiling, today's model spend against it. */
export interface AgentStatus {
  /** The service name (the policy principal's id), e.g. `planning-agent`. */
  readonly name: string;
  readonly autonomy: AutonomyLevel;
  /** `configured`: the configuration names the agent; `default`: its `defaultAutonomy` applies. */
  readonly autonomySource: 'configured' | 'default';
  /** The KPIs the agent is held to (see kpis.ts); empty when it owns none. */
  readonly kpis: readonly KpiDeclaration[];
  /** The budget ledger's period (UTC day) and spend; absent for an agent without a daily ceiling. */
  readonly budget?: {
    readonly period: string;
    readonly spentMicroUsd: number;
    readonly ceilingMicroUsd: number;
    readonly spentUsd: number;
    readonly ceilingUsd: number;
    /** Spend over ceiling; null when the ceiling is 0 yet something was spent (it was lowered since). */
    readonly burn: number | null;
  };
}

/** Whether an agent has a budget to read: a `dailyCeilingUsd` in the configuration. */
export const hasBudget = (config: GovernanceConfig, agent: string): boolean =>
  config.agents[agent]?.dailyCeilingUsd !== undefined;

/**
 * An agent's status under the configuration, with its spend for `period` when it has a ceiling (`spentMicroUsd`
 * as the budget ledger holds it; 0 when nothing was charged).
 */
export function agentStatus(
  name: string,
  config: GovernanceConfig,
  period: string,
  spentMicroUsd = 0,
): AgentStatus {
  const configured = config.agents[name];
  const ceilingUsd = configured?.dailyCeilingUsd;
  const ceilingMicroUsd = ceilingUsd === undefined ? undefined : Math.round(ceilingUsd * MICRO_USD_PER_USD);
  return {
    name,
    autonomy: configured?.autonomy ?? config.defaultAutonomy,
    autonomySource: configured === undefined ? 'default' : 'configured',
    kpis: kpisOf(name),
    ...(ceilingMicroUsd !== undefined && {
      budget: {
        period,
        spentMicroUsd,
        ceilingMicroUsd,
        spentUsd: spentMicroUsd / MICRO_USD_PER_USD,
        ceilingUsd: ceilingMicroUsd / MICRO_USD_PER_USD,
        burn: ceilingMicroUsd === 0 ? (spentMicroUsd === 0 ? 0 : null) : spentMicroUsd / ceilingMicroUsd,
      },
    }),
  };
}
