import { spikeFixture } from '../events/fixtures';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoBudgetLedger } from '../../lambdas/adapters/dynamodb-budget-ledger';
import { parseDetail } from '../../lambdas/domain/contracts/parse';
import type { RemediationPlan } from '../../lambdas/domain/contracts/platform';
import type { GovernanceConfig } from '../../lambdas/domain/governance/governance-config';
import { ensureAssembly } from '../../local/assembly';
import type { LocalFunction } from '../../local/lambda/local-function';
import { Sandbox } from '../../local/sandbox';
import { assemblyDir, repoRoot } from './sandbox-fixture';

/**
 * The planning agent behind the inference firewall, in the sandbox: the real bundle charging its Bedrock calls
 * (the sandbox's Converse) to the budget ledger in DynamoDB, at the ceiling the governance configuration (the
 * sandbox's AppConfig, a copy of config/governance.json) sets at the time of the call.
 */
describe('inference firewall in the sandbox', () => {
  let dir: string;
  let file: string;
  let sandbox: Sandbox;
  let planning: LocalFunction;

  const setCeiling = (dailyCeilingUsd: number) => {
    const document = JSON.parse(readFileSync(file, 'utf8')) as GovernanceConfig;
    document.agents['planning-agent'] = { autonomy: 'autonomous', dailyCeilingUsd };
    writeFileSync(file, JSON.stringify(document, null, 2));
  };
  const plan = async (start: string, warehouse: string): Promise<RemediationPlan> => {
    const end = new Date(Date.parse(start) + 10 * 60_000).toISOString();
    const key = `warehouse#${warehouse}#${start}`;
    const spike = {
      ...spikeFixture(),
      correlationId: key,
      incidentKey: key,
      scope: { type: 'warehouse' as const, id: warehouse },
      window: { start, end },
    };
    const result = await planning.invoke({ spike, executionId: `exec-${warehouse}` });
    await sandbox.settle();
    if (!result.ok) throw new Error(`planning failed: ${JSON.stringify(result)}`);
    return parseDetail('remediation_planned', result.result);
  };
  const refusals = () =>
    sandbox.bus.archive
      .filter((event) => event['detail-type'] === 'budget_exceeded')
      .map((event) => ({ source: event.source, detail: parseDetail('budget_exceeded', event.detail) }));

  beforeAll(async () => {
    ensureAssembly(repoRoot, assemblyDir, () => undefined);
    dir = mkdtempSync(path.join(tmpdir(), 'firewall-'));
    file = path.join(dir, 'governance.json');
    copyFileSync(path.join(repoRoot, 'config', 'governance.json'), file);
    setCeiling(0);
    sandbox = await Sandbox.start({ assemblyDir, appConfigFiles: { governance: file }, onlyConsumers: [] });
    planning = sandbox.functionByService('planning-agent');
    // A configuration read is reused for 1 s here instead of the template's 30 s.
    planning.config = {
      ...planning.config,
      environment: { ...planning.config.environment, GOVERNANCE_CONFIG_MAX_AGE_SECONDS: '1' },
    };
  });

  afterAll(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the model call at a ceiling of $0, publishes budget_exceeded and plans by the rule', async () => {
    const planned = await plan('2026-11-20T10:30:00.000Z', 'WH-NYC');

    expect(planned.planner).toBe('rule');
    expect(planned.evidence.join('\n')).toMatch(
      /reasoner unavailable \(budget exceeded: planning-agent has spent \$0\.0000 of its \$0\.0000/,
    );
    expect(refusals()).toEqual([
      {
        source: 'proactive.governance',
        detail: expect.objectContaining({
          correlationId: 'warehouse#WH-NYC#2026-11-20T10:30:00.000Z',
          agent: 'planning-agent',
          modelId: 'global.anthropic.claude-haiku-4-5-20251001-v1:0',
          spentMicroUsd: 0,
          ceilingMicroUsd: 0,
          fallback: 'rule',
        }) as unknown,
      },
    ]);
  });

  it('calls the model once the configuration raises the ceiling, without a restart, and charges it', async () => {
    setCeiling(20);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const planned = await plan('2026-11-20T11:30:00.000Z', 'WH-BOS');

    expect(planned.planner).toBe('reasoner');
    expect(refusals()).toHaveLength(1);
    // The sandbox's Converse reports its tokens; the ledger holds their cost at the configured Haiku price.
    const ledger = new DynamoBudgetLedger(planning.config.environment.BUDGETS_TABLE_NAME!, sandbox.dynamodb);
    const today = new Date().toISOString().slice(0, 10);
    const spent = await ledger.spent('planning-agent', today);
    expect(spent).toBeGreaterThan(0);
    // Settled to the actual tokens: far below the reservation of a whole 1,024-token answer ($0.00512 alone).
    expect(spent).toBeLessThan(5_120);
  });
});
