import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { CedarPolicyEngine } from '../../lambdas/adapters/cedar-policy-engine';
import { GovernanceConfigurationInvalid, PolicyRequestInvalid } from '../../lambdas/domain/governance/errors';
import {
  parseGovernanceConfigText,
  type AutonomyLevel,
  type GovernanceConfig,
} from '../../lambdas/domain/governance/governance-config';
import { BUILT_IN_RULES, decidePolicy } from '../../lambdas/domain/governance/policy-decision';
import { parsePolicyRequest } from '../../lambdas/domain/governance/policy-request';
import type { PolicyRequestInput } from '../events/policy-request';
import { riskScoreCents } from '../../lambdas/domain/governance/policy-risk-score';

/** The configuration file as a document to break, field by field. */
interface EditableDocument {
  agents: Record<string, { autonomy: string }>;
  escalation: { tiers: unknown[]; onExhausted: string };
  thresholds: Record<string, number>;
  blockedActions: string[];
  [key: string]: unknown;
}

const configFile = path.resolve(__dirname, '..', '..', 'config', 'governance.json');
/** The shipped configuration, cloned per test. */
const shipped = (): GovernanceConfig => parseGovernanceConfigText(readFileSync(configFile, 'utf8'));

/** A request as the saga sends it: the walk-through's reroute, $2,000 of standard orders at stake. */
const request = (overrides: Partial<PolicyRequestInput> = {}): PolicyRequestInput => ({
  correlationId: 'warehouse#WH-NYC#2026-11-20T10:35:00Z',
  planId: 'plan-1',
  agent: 'planning-agent',
  task: {
    taskId: 'task-1',
    taskType: 'reroute_orders',
    parameters: { fromWarehouseId: 'WH-NYC', since: '2026-11-20T10:00:00Z' },
    costCents: 2_500,
    risk: 'medium',
  },
  impact: { valueAtStakeCents: 200_000, orders: 40 },
  customerSegment: 'standard',
  jurisdiction: 'US-NY',
  ...overrides,
});

/** Decides `input` under `config`, the policies loaded into a fresh Cedar engine. */
const decide = (input: PolicyRequestInput, config = shipped()) => {
  const engine = new CedarPolicyEngine();
  engine.load(config.policies, Object.keys(config.thresholds));
  return decidePolicy(parsePolicyRequest(input), config, engine);
};

const withAutonomy = (autonomy: AutonomyLevel, config = shipped()): GovernanceConfig => ({
  ...config,
  agents: { ...config.agents, 'planning-agent': { autonomy } },
});

describe('policy decision point: outcomes', () => {
  it('allows a permitted, cheap, reversible task and names the permit', () => {
    const decision = decide(request());
    expect(decision).toMatchObject({
      decision: 'allow',
      policyOutcome: 'allow',
      determiningPolicies: ['planning-agent-remediates'],
      reasons: ['permitted by planning-agent-remediates'],
      errors: [],
      principal: { type: 'Agent', id: 'planning-agent' },
      action: { type: 'Action', id: 'reroute_orders' },
      resource: { type: 'Warehouse', id: 'WH-NYC' },
    });
    expect(decision.context).toEqual({
      costCents: 2_500,
      risk: 'medium',
      riskScoreCents: 400_000,
      valueAtStakeCents: 200_000,
      orders: 40,
      customerSegment: 'standard',
      jurisdiction: 'US-NY',
      autonomy: 'autonomous',
      irreversible: false,
      limits: shipped().thresholds,
    });
    expect(decision.escalation).toBeUndefined();
  });

  it('denies when a forbid matches, naming it (cost above maxCostCents)', () => {
    const decision = decide(request({ task: { ...request().task, costCents: 100_001 } }));
    expect(decision).toMatchObject({
      decision: 'deny',
      policyOutcome: 'deny',
      determiningPolicies: ['cost-ceiling'],
      reasons: ['forbidden by cost-ceiling'],
    });
  });

  it('denies what no policy permits (an agent with autonomy but no permit), with no determining policy', () => {
    const config = shipped();
    config.agents['rogue-agent'] = { autonomy: 'autonomous' };
    const decision = decide(request({ agent: 'rogue-agent' }), config);
    expect(decision.decision).toBe('deny');
    expect(decision.determiningPolicies).toEqual([]);
    expect(decision.reasons).toEqual([
      'no policy permits Agent::"rogue-agent" to Action::"reroute_orders" on Warehouse::"WH-NYC"',
    ]);
  });

  it('denies a warehouse action aimed at a region (resource type policy)', () => {
    const decision = decide(request({ resource: { type: 'Region', id: 'us-east' } }));
    expect(decision.determiningPolicies).toEqual(['warehouse-actions-on-warehouses']);
    expect(decision.decision).toBe('deny');
  });

  it('requires approval when the value at stake passes its threshold, with the escalation chain', () => {
    // $20,000 of premium orders on a medium-risk task: 2,000,000 × 2 × 2 = 8,000,000 > 5,000,000.
    const decision = decide(
      request({ impact: { valueAtStakeCents: 2_000_000, orders: 300 }, customerSegment: 'premium' }),
    );
    expect(decision).toMatchObject({
      decision: 'require_approval',
      policyOutcome: 'require_approval',
      determiningPolicies: ['high-value-at-stake'],
      reasons: ['approval required by high-value-at-stake'],
      escalation: shipped().escalation,
    });
    expect(decision.context.riskScoreCents).toBe(8_000_000);
  });

  it('requires approval for an irreversible task, and names every approval policy that matched', () => {
    const decision = decide(
      request({
        task: { taskId: 't', taskType: 'notify_customers', costCents: 500, risk: 'low', irreversible: true },
        jurisdiction: 'EU-DE',
      }),
    );
    expect(decision.decision).toBe('require_approval');
    expect(decision.resource).toEqual({ type: 'Incident', id: 'warehouse#WH-NYC#2026-11-20T10:35:00Z' });
    expect(decision.determiningPolicies).toEqual(['eu-customer-notice', 'irreversible-task']);
  });

  it('denies a blocked action whatever the policies permit', () => {
    const config = { ...shipped(), blockedActions: ['reroute_orders' as const] };
    expect(decide(request(), config)).toMatchObject({
      decision: 'deny',
      determiningPolicies: [BUILT_IN_RULES.blockedAction],
      reasons: ['Action::"reroute_orders" is a blocked action'],
    });
  });

  it('fails closed: a forbid that errors denies; an approval policy that errors requires approval', () => {
    const overflow = 'context.costCents + 9223372036854775807 > 0';
    const config = shipped();
    config.policies.authorization += `\n@id("overflowing") forbid (principal, action, resource) when { ${overflow} };`;
    const denied = decide(request(), config);
    expect(denied.decision).toBe('deny');
    expect(denied.determiningPolicies).toEqual(['overflowing']);
    expect(denied.errors[0]).toMatchObject({ policyId: 'overflowing' });
    expect(denied.reasons[0]).toMatch(/^policy overflowing failed to evaluate: /);

    const approvalConfig = shipped();
    approvalConfig.policies.approval += `\n@id("overflowing") forbid (principal, action, resource) when { ${overflow} };`;
    const held = decide(request(), approvalConfig);
    expect(held.decision).toBe('require_approval');
    expect(held.determiningPolicies).toEqual(['overflowing']);
  });
});

describe('policy decision point: autonomy levels', () => {
  it('autonomous: the policies decide', () => {
    expect(decide(request(), withAutonomy('autonomous')).decision).toBe('allow');
  });

  it('approval-required: an allowed task waits for approval, by the autonomy rule', () => {
    const decision = decide(request(), withAutonomy('approval-required'));
    expect(decision).toMatchObject({
      decision: 'require_approval',
      policyOutcome: 'allow',
      determiningPolicies: [BUILT_IN_RULES.approvalRequired],
      autonomy: 'approval-required',
      escalation: shipped().escalation,
    });
  });

  it('approval-required: a forbidden task is still denied', () => {
    const decision = decide(
      request({ task: { ...request().task, costCents: 200_000 } }),
      withAutonomy('approval-required'),
    );
    expect(decision.decision).toBe('deny');
  });

  it('suggest-only: publish, do not execute, with what running it would have needed', () => {
    const allowed = decide(request(), withAutonomy('suggest-only'));
    expect(allowed).toMatchObject({
      decision: 'suggest',
      policyOutcome: 'allow',
      determiningPolicies: [BUILT_IN_RULES.suggestOnly, 'planning-agent-remediates'],
    });
    const held = decide(
      request({ task: { ...request().task, irreversible: true } }),
      withAutonomy('suggest-only'),
    );
    expect(held).toMatchObject({ decision: 'suggest', policyOutcome: 'require_approval' });
    expect(held.escalation).toBeUndefined();
  });

  it('revoked: denied before any policy is evaluated', () => {
    expect(decide(request(), withAutonomy('revoked'))).toMatchObject({
      decision: 'deny',
      policyOutcome: 'deny',
      determiningPolicies: [BUILT_IN_RULES.revoked],
      reasons: ['the autonomy of Agent::"planning-agent" is revoked'],
    });
  });

  it('an agent the configuration does not name gets defaultAutonomy (revoked in the shipped file)', () => {
    const decision = decide(request({ agent: 'new-agent' }));
    expect(decision.autonomy).toBe('revoked');
    expect(decision.decision).toBe('deny');
  });

  it('no level but autonomous ever yields allow; revoked always denies (any request)', () => {
    const config = shipped();
    const engine = new CedarPolicyEngine();
    engine.load(config.policies, Object.keys(config.thresholds));
    fc.assert(
      fc.property(
        fc.constantFrom<AutonomyLevel>('autonomous', 'approval-required', 'suggest-only', 'revoked'),
        fc.constantFrom('reroute_orders', 'rebalance_region', 'notify_customers', 'pause_warehouse_intake'),
        fc.nat({ max: 200_000 }),
        fc.nat({ max: 50_000_000 }),
        fc.constantFrom<'low' | 'medium' | 'high'>('low', 'medium', 'high'),
        (autonomy, taskType, costCents, valueAtStakeCents, risk) => {
          const input = request({
            task: { taskId: 't', taskType, costCents, risk, parameters: { warehouseId: 'WH-1' } },
            impact: { valueAtStakeCents },
          });
          const { decision } = decidePolicy(
            parsePolicyRequest(input),
            withAutonomy(autonomy, config),
            engine,
          );
          if (autonomy !== 'autonomous') expect(decision).not.toBe('allow');
          if (autonomy === 'revoked') expect(decision).toBe('deny');
          if (autonomy === 'suggest-only') expect(['suggest', 'deny']).toContain(decision);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the request model', () => {
  it('derives the resource from the parameters: warehouse, region, else the incident', () => {
    const resource = (parameters: Record<string, unknown>) =>
      parsePolicyRequest(request({ task: { ...request().task, parameters } })).resource;
    expect(resource({ fromWarehouseId: 'WH-1', since: 'x' })).toEqual({ type: 'Warehouse', id: 'WH-1' });
    expect(resource({ warehouseId: 'WH-2' })).toEqual({ type: 'Warehouse', id: 'WH-2' });
    expect(resource({ region: 'us-east', fromWarehouseIds: ['WH-1'] })).toEqual({
      type: 'Region',
      id: 'us-east',
    });
    expect(resource({ ticket: 'x' })).toEqual({ type: 'Incident', id: request().correlationId });
    expect(parsePolicyRequest(request({ resource: { type: 'Region', id: 'eu' } })).resource).toEqual({
      type: 'Region',
      id: 'eu',
    });
  });

  it('defaults segment and jurisdiction, and irreversible to false', () => {
    const { customerSegment: _s, jurisdiction: _j, ...rest } = request();
    expect(parsePolicyRequest(rest)).toMatchObject({
      customerSegment: 'standard',
      jurisdiction: 'unspecified',
      irreversible: false,
    });
  });

  it.each([
    [{ impact: undefined }, 'impact'],
    [{ impact: { valueAtStakeCents: -1 } }, 'impact.valueAtStakeCents'],
    [{ task: { ...request().task, costCents: 1.5 } }, 'task.costCents'],
    [{ task: { ...request().task, risk: 'extreme' } }, 'task.risk'],
    [{ task: { ...request().task, taskType: 'drop_tables' } }, 'task.taskType'],
    [{ agent: '' }, 'agent'],
    [{ resource: { type: 'Planet', id: 'x' } }, 'resource.type'],
  ])('refuses a bad request naming the field (%#: %s)', (overrides, field) => {
    const attempt = () => parsePolicyRequest({ ...request(), ...overrides });
    expect(attempt).toThrow(PolicyRequestInvalid);
    expect(attempt).toThrow(expect.objectContaining({ field }) as Error);
  });

  it('scores risk as value at stake × task-risk weight × segment weight (unknown segment: the default)', () => {
    const weights = shipped().riskScore;
    expect(riskScoreCents(weights, { valueAtStakeCents: 1_000_000, risk: 'medium' }, 'premium')).toBe(
      4_000_000,
    );
    expect(riskScoreCents(weights, { valueAtStakeCents: 1_000_000, risk: 'high' }, 'enterprise')).toBe(
      12_000_000,
    );
    expect(riskScoreCents(weights, { valueAtStakeCents: 333, risk: 'low' }, 'unheard-of')).toBe(333);
    expect(
      riskScoreCents(weights, { valueAtStakeCents: Number.MAX_SAFE_INTEGER, risk: 'high' }, 'premium'),
    ).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('the governance configuration', () => {
  it('the shipped file is valid, and its policies parse and validate against the request model', () => {
    const config = shipped();
    expect(() => new CedarPolicyEngine().load(config.policies, Object.keys(config.thresholds))).not.toThrow();
  });

  it.each([
    [
      (c: EditableDocument) => (c.agents['planning-agent']!.autonomy = 'sometimes'),
      'agents.planning-agent.autonomy',
    ],
    [(c: EditableDocument) => (c.blockedAction = []), 'blockedAction'],
    [(c: EditableDocument) => (c.escalation.tiers = []), 'escalation.tiers'],
    [(c: EditableDocument) => (c.escalation.onExhausted = 'retry'), 'escalation.onExhausted'],
    // One approval waits at most 4 hours, a tier alone or the tiers together (the saga's timeout allows no more).
    [
      (c: EditableDocument) =>
        (c.escalation.tiers = [{ name: 'overnight', approvers: 'operators', timeoutSeconds: 14_401 }]),
      'escalation.tiers.0.timeoutSeconds',
    ],
    [
      (c: EditableDocument) =>
        (c.escalation.tiers = [
          { name: 'on-call', approvers: 'operators', timeoutSeconds: 7_200 },
          { name: 'duty-manager', approvers: 'duty-managers', timeoutSeconds: 7_201 },
        ]),
      'escalation.tiers',
    ],
    [(c: EditableDocument) => (c.thresholds['max-cost'] = 1), 'thresholds.max-cost'],
    [(c: EditableDocument) => (c.blockedActions = ['launch_rockets']), 'blockedActions.0'],
  ])('refuses a bad configuration naming the field (%#)', (breakIt, field) => {
    const document = JSON.parse(readFileSync(configFile, 'utf8')) as EditableDocument;
    breakIt(document);
    const attempt = () => parseGovernanceConfigText(JSON.stringify(document));
    expect(attempt).toThrow(GovernanceConfigurationInvalid);
    expect(attempt).toThrow(expect.objectContaining({ field }) as Error);
  });

  const loadPolicies = (policies: Partial<GovernanceConfig['policies']>) => {
    const config = shipped();
    new CedarPolicyEngine().load({ ...config.policies, ...policies }, Object.keys(config.thresholds));
  };

  it.each([
    ['a policy without @id', { approval: 'forbid (principal, action, resource);' }, 'policies.approval[0]'],
    [
      'a syntax error',
      { authorization: 'permit (principal, action, resource) when { 1 + };' },
      'policies.authorization',
    ],
    [
      'an attribute the request model lacks',
      { approval: '@id("typo") forbid (principal, action, resource) when { context.cost > 5 };' },
      'policies.approval[typo]',
    ],
    [
      'a threshold the configuration lacks',
      {
        approval:
          '@id("t") forbid (principal, action, resource) when { context.costCents > context.limits.nope };',
      },
      'policies.approval[t]',
    ],
    [
      'an unknown action',
      { authorization: '@id("a") permit (principal, action == Action::"launch_rockets", resource);' },
      'policies.authorization[a]',
    ],
    [
      'a permit in the approval set',
      { approval: '@id("p") permit (principal, action, resource);' },
      'policies.approval[p]',
    ],
    [
      'an id used twice',
      { approval: '@id("cost-ceiling") forbid (principal, action, resource) when { context.irreversible };' },
      'policies.approval[cost-ceiling]',
    ],
    [
      'an id with a colon',
      { approval: '@id("autonomy:revoked") forbid (principal, action, resource);' },
      'policies.approval[0]',
    ],
  ])('refuses %s, naming the set and the policy', (_what, policies, field) => {
    expect(() => loadPolicies(policies)).toThrow(expect.objectContaining({ field }) as Error);
  });

  it('keeps the loaded policies when a new version is refused', () => {
    const config = shipped();
    const engine = new CedarPolicyEngine();
    engine.load(config.policies, Object.keys(config.thresholds));
    expect(() =>
      engine.load({ ...config.policies, authorization: 'permit (principal, action, resource);' }, []),
    ).toThrow(GovernanceConfigurationInvalid);
    expect(decidePolicy(parsePolicyRequest(request()), config, engine).decision).toBe('allow');
  });
});
