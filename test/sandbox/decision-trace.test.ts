import { spikeFixture } from '../events/fixtures';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decisionTraceReport } from '../../bin/decision-trace';
import { DynamoEpisodicStore } from '../../lambdas/adapters/dynamodb-episodic-store';
import { traceEntityOf } from '../../lambdas/domain/memory/decision-trace';
import { parseDetail } from '../../lambdas/domain/contracts/parse';
import type { OrderCancellationSpike, RemediationPlan } from '../../lambdas/domain/contracts/platform';
import type { PolicyRequestInput } from '../events/policy-request';
import { ensureAssembly } from '../../local/assembly';
import { openLastRun, resolvedOutputs, type RunManifest } from '../../local/last-run';
import { Sandbox } from '../../local/sandbox';
import { assemblyDir, repoRoot } from './sandbox-fixture';

/** The incident's records, read as `npm run trace` reads them: its entity's partition, filtered to it. */
const incidentRecords = (sandbox: Sandbox, correlationId: string, table: string) =>
  new DynamoEpisodicStore(table, sandbox.dynamodb).incidentRecords(
    traceEntityOf(correlationId),
    correlationId,
  );

const MODEL = 'global.anthropic.claude-haiku-4-5-20251001-v1:0';

/**
 * The decision trace from the real bundles in the sandbox: the planning agent asks the sandbox's Bedrock through
 * the firewall, the policy agent decides each task, both write episodic records; the report reads them back — while
 * the sandbox runs, and offline from the tables it left on disk, as `npm run trace` does after `npm start`.
 */
describe('decision trace in the sandbox', () => {
  let runDir: string;
  let sandbox: Sandbox | undefined;
  let table: string;
  let plan: RemediationPlan;
  const start = '2026-11-20T10:35:00Z';
  const correlationId = `warehouse#WH-NYC#${start}`;
  const spike: OrderCancellationSpike = {
    ...spikeFixture(),
    correlationId,
    incidentKey: correlationId,
    scope: { type: 'warehouse', id: 'WH-NYC' },
    window: { start, end: '2026-11-20T10:40:00Z' },
  };

  const decide = async (task: RemediationPlan['tasks'][number], minute: number) => {
    const request: PolicyRequestInput = {
      correlationId,
      planId: plan.planId,
      agent: 'planning-agent',
      task,
      impact: { valueAtStakeCents: 120_000, orders: 30 },
      jurisdiction: 'US-NY',
      requestedAt: `2026-11-20T10:4${minute}:00Z`,
    };
    const result = await sandbox!.functionByService('policy-agent').invoke(request);
    await sandbox!.settle();
    if (!result.ok) throw new Error(`policy decision failed: ${JSON.stringify(result)}`);
    return result.result as { decision: string; decisionId: string };
  };

  beforeAll(async () => {
    ensureAssembly(repoRoot, assemblyDir, () => undefined);
    runDir = mkdtempSync(path.join(tmpdir(), 'trace-run-'));
    sandbox = await Sandbox.start({
      assemblyDir,
      onlyConsumers: [],
      tablesDir: path.join(runDir, 'dynamodb'),
      startTime: Date.parse('2026-11-20T10:41:00Z'),
    });
    table = resolvedOutputs(sandbox.template).EpisodicTableName!;
    const planned = await sandbox
      .functionByService('planning-agent')
      .invoke({ spike, executionId: 'exec-1' });
    await sandbox.settle();
    if (!planned.ok) throw new Error(`planning failed: ${JSON.stringify(planned)}`);
    plan = parseDetail('remediation_planned', planned.result);
    for (const [index, task] of plan.tasks.entries()) await decide(task, index + 1);
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
    rmSync(runDir, { recursive: true, force: true });
  });

  it('reads the plan, the model call and each policy decision back from episodic memory', async () => {
    const records = await incidentRecords(sandbox!, correlationId, table);

    expect(records.map((record) => record.kind).sort()).toEqual([
      'plan',
      ...plan.tasks.map(() => 'policy_decision'),
      'reasoning',
    ]);
    const reasoning = records.find((record) => record.kind === 'reasoning')!;
    expect(reasoning).toMatchObject({
      entity: 'warehouse#WH-NYC',
      time: spike.window.end,
      discriminator: 'attempt-1',
      data: {
        attempt: 1,
        outcome: 'accepted',
        modelId: MODEL,
        inputTokens: expect.any(Number),
        outputTokens: 40,
        stopReason: 'tool_use',
        executionId: 'exec-1',
        prompt: {
          system: expect.stringContaining('You are the planning agent'),
          messages: [
            { role: 'user', content: [{ type: 'text', text: expect.stringContaining('Facts: {') }] },
          ],
          tools: expect.arrayContaining(['reroute_orders', 'escalate_to_operator']),
        },
        output: expect.arrayContaining([
          expect.objectContaining({ type: 'tool_use', tool: 'reroute_orders' }),
        ]),
      },
    });
    // The cost is what the firewall charged: the tokens at the configuration's price ($1 and $5 a million).
    const { inputTokens, outputTokens, costMicroUsd } = reasoning.data as Record<string, number>;
    expect(costMicroUsd).toBe(Math.ceil(inputTokens! * 1 + outputTokens! * 5));
    expect(
      records.filter((record) => record.kind === 'policy_decision').map((record) => record.time),
    ).toEqual(plan.tasks.map((_, index) => `2026-11-20T10:4${index + 1}:00Z`));
  });

  it('prints the readable report: plan, prompt, tokens, cost, raw output, verdict and policy decisions', async () => {
    const report = (await decisionTraceReport(sandbox!.dynamodb, { correlationId, table })).join('\n');

    expect(report).toContain(`Decision trace — ${correlationId}`);
    expect(report).toContain(`Plan — 2026-11-20 10:40:00Z — by reasoner: ${plan.planId}`);
    for (const [index, task] of plan.tasks.entries()) {
      expect(report).toContain(`  ${index + 1}. ${task.taskType} ${JSON.stringify(task.parameters)}`);
      expect(report).toMatch(
        new RegExp(
          `10:4${index + 1}:00Z  ${task.taskId} ${task.taskType} on \\w+::"[^"]+" by planning-agent: ALLOW`,
        ),
      );
    }
    expect(report).toMatch(/Model call 1 — 2026-11-20 10:40:00Z — accepted/);
    expect(report).toMatch(
      new RegExp(`model ${MODEL.replaceAll('.', '\\.')} · tokens \\d+ in / 40 out · cost \\$0\\.00\\d{4}`),
    );
    expect(report).toContain('prompt (as sent, redacted; tools offered: open_incident_ticket');
    expect(report).toContain('<incident_data>');
    expect(report).toMatch(/raw output:\n(.*\n)*?\s+→ tool call reroute_orders \{"fromWarehouseId":"WH-NYC"/);
    expect(report).toContain('verdict: passed validation against the task catalog');
    expect(report).toContain('determined by: planning-agent-remediates');
    expect(report).toMatch(/latency: [\d.]+ ms evaluation, [\d.]+ ms total · configuration sha256:/);
  });

  it('reads the same report offline from the tables the run left on disk, as `npm run trace` does', async () => {
    const live = await decisionTraceReport(sandbox!.dynamodb, { correlationId, table });
    const manifest: RunManifest = {
      version: 1,
      finishedAt: new Date().toISOString(),
      events: 'test',
      outputs: resolvedOutputs(sandbox!.template),
      region: 'us-east-1',
      incidents: [correlationId],
    };
    await sandbox!.stop();
    sandbox = undefined;
    writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(manifest));

    const run = await openLastRun(runDir);
    try {
      expect(await decisionTraceReport(run.dynamodb, { correlationId, table })).toEqual(live);
    } finally {
      await run.close();
    }
  });
});

describe('decision trace redaction in the sandbox', () => {
  let sandbox: Sandbox;
  afterAll(() => sandbox?.stop());

  it('never stores a PII string of the incident in a prompt or output, though the prompt carries the incident', async () => {
    ensureAssembly(repoRoot, assemblyDir, () => undefined);
    sandbox = await Sandbox.start({ assemblyDir, onlyConsumers: [] });
    const table = resolvedOutputs(sandbox.template).EpisodicTableName!;
    const pii = 'jane.doe@example.com';
    const correlationId = 'region#us-east#2026-11-20T10:35:00Z';
    // A contributing warehouse named after its manager's e-mail address: the incident's facts carry it.
    const spike: OrderCancellationSpike = {
      ...spikeFixture(),
      correlationId,
      incidentKey: correlationId,
      scope: { type: 'region', id: 'us-east' },
      contributors: [{ warehouseId: `WH-NYC ${pii}`, cancelled: 9, expectedCancelled: 1 }],
    };

    await sandbox.functionByService('planning-agent').invoke({ spike, executionId: 'exec-pii' });
    await sandbox.settle();

    const records = await incidentRecords(sandbox, correlationId, table);
    const reasoning = records.filter((record) => record.kind === 'reasoning');
    expect(reasoning.length).toBeGreaterThan(0);
    expect(JSON.stringify(reasoning.map((record) => record.data))).toContain('WH-NYC [email]');
    const { Items = [] } = await sandbox.dynamodb.send(new ScanCommand({ TableName: table }));
    expect(Items.length).toBeGreaterThan(0);
    expect(JSON.stringify(Items)).not.toContain(pii);
  }, 120_000);
});
