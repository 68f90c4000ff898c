/**
 * Times the policy decision point in-process: `decidePolicy` with the Cedar engine (`@cedar-policy/cedar-wasm`,
 * policies preparsed once) on the shipped configuration (config/governance.json), against the same decision with
 * the same rules written as plain TypeScript (the reference, measured in the same run, interleaved request by
 * request). Both must agree on every decision and its determining policies, or the run stops.
 *
 *   npx tsx bench/policy.ts [--decisions 20000] [--seed 7]
 *
 * Prints p50 / p99 / mean per decision for each, the ratio Cedar / TypeScript, and the one-off cost of loading a
 * configuration version (parse, validate against the schema, preparse).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CedarPolicyEngine } from '../lambdas/adapters/cedar-policy-engine';
import {
  parseGovernanceConfigText,
  type GovernanceConfig,
} from '../lambdas/domain/governance/governance-config';
import { decidePolicy } from '../lambdas/domain/governance/policy-decision';
import type { PolicyEngine, PolicyQuery, PolicySetAnswer } from '../lambdas/domain/governance/policy-engine';
import { parsePolicyRequest, type PolicyRequest } from '../lambdas/domain/governance/policy-request';
import { POLICY_ACTIONS } from '../lambdas/domain/governance/policy-schema';
import { Draw, mulberry32 } from '../scenarios/draw';

const flag = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};

/** A threshold of the configuration (`context.limits.<name>`); the shipped policies compare against each one named. */
function limit(context: PolicyQuery['context'], name: string): number {
  const value = context.limits[name];
  if (value === undefined) throw new RangeError(`the configuration has no threshold ${name}`);
  return value;
}

/** The shipped policies (config/governance.json) as plain code: what the Cedar text says, rule for rule. */
class ShippedRulesInTypeScript implements PolicyEngine {
  private static readonly warehouseActions = new Set([
    'reroute_orders',
    'revert_reroute',
    'pause_warehouse_intake',
    'resume_warehouse_intake',
  ]);

  authorize({ principal, action, resource, context }: PolicyQuery): PolicySetAnswer {
    const forbids: string[] = [];
    if (context.costCents > limit(context, 'maxCostCents')) forbids.push('cost-ceiling');
    if (context.riskScoreCents > limit(context, 'maxRiskScoreCents')) forbids.push('value-at-stake-ceiling');
    if (ShippedRulesInTypeScript.warehouseActions.has(action.id) && resource.type !== 'Warehouse') {
      forbids.push('warehouse-actions-on-warehouses');
    }
    if (forbids.length > 0) return { decision: 'deny', determiningPolicies: forbids.sort(), errors: [] };
    const permitted =
      principal.type === 'Agent' &&
      principal.id === 'planning-agent' &&
      (POLICY_ACTIONS as readonly string[]).includes(action.id);
    return permitted
      ? { decision: 'allow', determiningPolicies: ['planning-agent-remediates'], errors: [] }
      : { decision: 'deny', determiningPolicies: [], errors: [] };
  }

  approval({ action, context }: PolicyQuery): PolicySetAnswer {
    const forbids: string[] = [];
    if (context.costCents > limit(context, 'approvalCostCents')) forbids.push('costly-task');
    if (context.riskScoreCents > limit(context, 'approvalRiskScoreCents'))
      forbids.push('high-value-at-stake');
    if (context.irreversible) forbids.push('irreversible-task');
    if (action.id === 'notify_customers' && context.jurisdiction.startsWith('EU'))
      forbids.push('eu-customer-notice');
    return forbids.length > 0
      ? { decision: 'deny', determiningPolicies: forbids.sort(), errors: [] }
      : { decision: 'allow', determiningPolicies: [], errors: [] };
  }
}

/** Nearest-rank percentile. */
function percentile(sorted: readonly number[], p: number): number {
  const value = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  if (value === undefined) throw new RangeError('no samples to take a percentile of');
  return value;
}

function requests(count: number, seed: number): PolicyRequest[] {
  const draw = new Draw(mulberry32(seed));
  return Array.from({ length: count }, (_, i) => {
    const taskType = draw.pick(POLICY_ACTIONS);
    const parameters = taskType.includes('rebalance')
      ? { region: draw.pick(['us-east', 'us-west', 'eu-central']) }
      : taskType.includes('ticket') || taskType === 'notify_customers'
        ? {}
        : { fromWarehouseId: `WH-${1 + Math.floor(draw.uniform() * 500)}` };
    return parsePolicyRequest({
      correlationId: `incident-${i}`,
      agent: draw.pick([
        'planning-agent',
        'planning-agent',
        'planning-agent',
        'learning-agent',
        'other-agent',
      ]),
      task: {
        taskId: `t${i}`,
        taskType,
        parameters,
        costCents: Math.floor(draw.uniform() ** 3 * 150_000),
        risk: draw.pick(['low', 'medium', 'high'] as const),
        irreversible: taskType === 'notify_customers',
      },
      impact: {
        valueAtStakeCents: Math.floor(draw.uniform() ** 4 * 40_000_000),
        orders: Math.floor(draw.uniform() * 5000),
      },
      customerSegment: draw.pick(['standard', 'standard', 'premium', 'enterprise', 'wholesale']),
      jurisdiction: draw.pick(['US-NY', 'US-CA', 'EU-DE', 'EU-FR', 'UK']),
    });
  });
}

function main(): void {
  const decisions = flag('decisions', 20_000);
  const seed = flag('seed', 7);
  const text = readFileSync(path.join(__dirname, '..', 'config', 'governance.json'), 'utf8');
  const config: GovernanceConfig = parseGovernanceConfigText(text);

  const loads: number[] = [];
  const cedar = new CedarPolicyEngine();
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    cedar.load(config.policies, Object.keys(config.thresholds));
    loads.push(performance.now() - started);
  }
  const plain = new ShippedRulesInTypeScript();
  const work = requests(decisions, seed);

  // Warm-up (JIT, wasm tiers), also checking both engines agree on every request.
  const outcomes = new Map<string, number>();
  for (const request of work) {
    const a = decidePolicy(request, config, cedar);
    const b = decidePolicy(request, config, plain);
    if (a.decision !== b.decision || a.determiningPolicies.join() !== b.determiningPolicies.join()) {
      throw new Error(
        `the engines disagree on ${request.taskId}: Cedar ${a.decision} [${a.determiningPolicies.join()}], TypeScript ${b.decision} [${b.determiningPolicies.join()}]`,
      );
    }
    outcomes.set(a.decision, (outcomes.get(a.decision) ?? 0) + 1);
  }

  const timesCedar: number[] = [];
  const timesPlain: number[] = [];
  for (const request of work) {
    let started = performance.now();
    decidePolicy(request, config, cedar);
    timesCedar.push((performance.now() - started) * 1000);
    started = performance.now();
    decidePolicy(request, config, plain);
    timesPlain.push((performance.now() - started) * 1000);
  }
  const summary = (times: number[]) => {
    const sorted = [...times].sort((a, b) => a - b);
    return {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      mean: times.reduce((sum, t) => sum + t, 0) / times.length,
    };
  };
  const c = summary(timesCedar);
  const t = summary(timesPlain);
  const us = (value: number) => `${value.toFixed(1).padStart(8)} µs`;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(1).padStart(7)}×`;
  const mix = [...outcomes].map(([decision, n]) => `${decision} ${n}`).join(', ');

  console.log(`policy decisions: ${decisions} requests (seed ${seed}), both engines agree on all (${mix})`);
  console.log('');
  console.log('                          p50          p99         mean');
  console.log(`Cedar (preparsed)   ${us(c.p50)}  ${us(c.p99)}  ${us(c.mean)}`);
  console.log(`TypeScript rules    ${us(t.p50)}  ${us(t.p99)}  ${us(t.mean)}`);
  console.log(
    `ratio Cedar / TS    ${ratio(c.p50, t.p50)}     ${ratio(c.p99, t.p99)}     ${ratio(c.mean, t.mean)}`,
  );
  const sortedLoads = [...loads].sort((a, b) => a - b);
  console.log('');
  console.log(
    `loading a configuration version (parse, validate, preparse both sets): p50 ${percentile(sortedLoads, 50).toFixed(2)} ms, ` +
      `${(percentile(sortedLoads, 50) / (c.p50 / 1000)).toFixed(0)}× one decision`,
  );
}

main();
