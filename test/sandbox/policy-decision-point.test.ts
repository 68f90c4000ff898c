import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseDetail } from '../../lambdas/domain/contracts/parse';
import type { GovernanceConfig } from '../../lambdas/domain/governance/governance-config';
import type { PolicyRequestInput } from '../events/policy-request';
import { ensureAssembly } from '../../local/assembly';
import type { LocalFunction } from '../../local/lambda/local-function';
import { Sandbox } from '../../local/sandbox';
import { assemblyDir, repoRoot } from './sandbox-fixture';

/**
 * The policy function as the saga invokes it, in the sandbox: the real bundle (Cedar WebAssembly included)
 * reading its configuration through Powertools from the sandbox's AppConfig data API, which serves a copy of
 * config/governance.json and reloads it when it changes.
 */
describe('policy decision point in the sandbox', () => {
  let dir: string;
  let file: string;
  let sandbox: Sandbox;
  let policy: LocalFunction;

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
    jurisdiction: 'US-NY',
    ...overrides,
  });
  const decide = async (input: unknown) => {
    const result = await policy.invoke(input);
    await sandbox.settle();
    return result;
  };
  const decisionEvents = () =>
    sandbox.bus.archive
      .filter((event) => event['detail-type'] === 'policy_decision')
      .map((event) => ({ source: event.source, detail: parseDetail('policy_decision', event.detail) }));
  const edit = (change: (document: GovernanceConfig) => void) => {
    const document = JSON.parse(readFileSync(file, 'utf8')) as GovernanceConfig;
    change(document);
    writeFileSync(file, JSON.stringify(document, null, 2));
  };
  /** Decides until the answer changes from `before` (the function's cache is 1 s here), at most 10 s. */
  const decideUntilChanged = async (before: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const result = await decide(request());
      const decision = result.ok ? (result.result as { decision: string }).decision : 'error';
      if (decision !== before || Date.now() > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  beforeAll(async () => {
    ensureAssembly(repoRoot, assemblyDir, () => undefined);
    dir = mkdtempSync(path.join(tmpdir(), 'pdp-'));
    file = path.join(dir, 'governance.json');
    copyFileSync(path.join(repoRoot, 'config', 'governance.json'), file);
    sandbox = await Sandbox.start({ assemblyDir, appConfigFiles: { governance: file }, onlyConsumers: [] });
    policy = sandbox.functionByService('policy-agent');
    // A 1 s cache instead of the template's 30 s, so the test waits for a change only briefly.
    policy.config = {
      ...policy.config,
      environment: { ...policy.config.environment, GOVERNANCE_CONFIG_MAX_AGE_SECONDS: '1' },
    };
  });

  afterAll(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides, emits policy_decision, and a change of autonomy or policy takes effect without a restart', async () => {
    const allowed = await decide(request());
    expect(allowed).toMatchObject({
      ok: true,
      result: {
        decision: 'allow',
        determiningPolicies: ['planning-agent-remediates'],
        correlationId: 'warehouse#WH-NYC#2026-11-20T10:35:00Z',
        taskId: 'task-1',
        resource: { type: 'Warehouse', id: 'WH-NYC' },
        configurationVersion: expect.stringMatching(/^sha256:/),
      },
    });
    const first = allowed.ok
      ? (allowed.result as { configurationVersion: string; decisionId: string })
      : undefined;

    edit((document) => (document.agents['planning-agent']!.autonomy = 'revoked'));
    const revoked = await decideUntilChanged('allow');
    expect(revoked).toMatchObject({
      ok: true,
      result: { decision: 'deny', determiningPolicies: ['autonomy:revoked'], autonomy: 'revoked' },
    });
    expect(
      (revoked.ok && (revoked.result as { configurationVersion: string }).configurationVersion) || '',
    ).not.toBe(first?.configurationVersion);

    // Back to autonomous, with a policy change: every reroute now needs approval.
    edit((document) => {
      document.agents['planning-agent']!.autonomy = 'autonomous';
      document.policies.approval +=
        '\n@id("reroutes-need-approval") forbid (principal, action == Action::"reroute_orders", resource);';
    });
    const held = await decideUntilChanged('deny');
    expect(held).toMatchObject({
      ok: true,
      result: {
        decision: 'require_approval',
        determiningPolicies: ['reroutes-need-approval'],
        escalation: { onExhausted: 'compensate' },
      },
    });

    // Every decision is an event, from proactive.governance, with its inputs, policies and latency.
    const events = decisionEvents();
    const answered = [allowed, revoked, held];
    expect(events.length).toBeGreaterThanOrEqual(answered.length);
    expect(new Set(events.map((event) => event.source))).toEqual(new Set(['proactive.governance']));
    const firstEvent = events.find((event) => event.detail.decisionId === first?.decisionId)!;
    expect(firstEvent.detail).toMatchObject({
      correlationId: 'warehouse#WH-NYC#2026-11-20T10:35:00Z',
      planId: 'plan-1',
      taskId: 'task-1',
      decision: 'allow',
      principal: { type: 'Agent', id: 'planning-agent' },
      action: { type: 'Action', id: 'reroute_orders' },
      context: {
        costCents: 2_500,
        valueAtStakeCents: 200_000,
        riskScoreCents: 400_000,
        jurisdiction: 'US-NY',
      },
      determiningPolicies: ['planning-agent-remediates'],
      configurationVersion: first?.configurationVersion,
    });
    expect(firstEvent.detail.latencyMs.total).toBeGreaterThanOrEqual(firstEvent.detail.latencyMs.evaluation);
    expect(events.at(-1)!.detail).toMatchObject({
      decision: 'require_approval',
      determiningPolicies: ['reroutes-need-approval'],
    });
  });

  it('denies a blocked action whatever the policies say, and reports it as action_blocked', async () => {
    const blockedEvents = () =>
      sandbox.bus.archive.filter((event) => event['detail-type'] === 'action_blocked');
    edit((document) => {
      document.agents['planning-agent']!.autonomy = 'autonomous';
      document.blockedActions = ['reroute_orders'];
    });
    const before = await decide(request());
    const blocked =
      before.ok && (before.result as { decision: string }).decision === 'deny'
        ? before
        : await decideUntilChanged(
            (before.ok && (before.result as { decision: string }).decision) || 'error',
          );

    expect(blocked).toMatchObject({
      ok: true,
      result: { decision: 'deny', determiningPolicies: ['config:blocked-actions'] },
    });
    const decisionId = blocked.ok ? (blocked.result as { decisionId: string }).decisionId : '';
    const reports = blockedEvents().map((event) => parseDetail('action_blocked', event.detail));
    expect(reports.find((report) => report.decisionId === decisionId)).toEqual({
      schemaVersion: 1,
      correlationId: 'warehouse#WH-NYC#2026-11-20T10:35:00Z',
      planId: 'plan-1',
      taskId: 'task-1',
      agent: 'planning-agent',
      taskType: 'reroute_orders',
      resource: { type: 'Warehouse', id: 'WH-NYC' },
      decisionId,
      configurationVersion: expect.stringMatching(/^sha256:/) as unknown,
    });
    // Unblocked, the same task goes back to what the policies decide (the approval the previous test added)
    // and is no longer reported.
    edit((document) => (document.blockedActions = []));
    await decideUntilChanged('deny');
    const count = blockedEvents().length;
    expect(await decide(request())).toMatchObject({ ok: true, result: { decision: 'require_approval' } });
    expect(blockedEvents()).toHaveLength(count);
  });

  it('refuses a bad request with an error naming the field, and emits no decision for it', async () => {
    const before = decisionEvents().length;
    const result = await decide({ ...request(), impact: { orders: 3 } });
    expect(result).toMatchObject({
      ok: false,
      errorType: 'PolicyRequestInvalid',
      errorMessage: expect.stringContaining('impact.valueAtStakeCents'),
    });
    expect(decisionEvents()).toHaveLength(before);
  });
});
