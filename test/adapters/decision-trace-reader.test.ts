import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { decisionTraceReport } from '../../bin/decision-trace';

/**
 * `npm run trace -- <id> --table <name>` on AWS: DynamoDB is the boundary, answered here by aws-sdk-client-mock
 * with items as the episodic store writes them (detail as JSON, sort key `<time>#<kind>#<id>[#<discriminator>]`).
 */
describe('decision trace on AWS (DynamoDB Query)', () => {
  // The episodic store sends through the document client: the mock answers its Query with plain items.
  const dynamodb = mockClient(DynamoDBDocumentClient);
  const client = () =>
    new DynamoDBClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  const correlationId = 'warehouse#WH-NYC#2026-11-20T10:35:00Z';
  const item = (time: string, kind: string, detail: Record<string, unknown>, discriminator?: string) =>
    ({
      pk: 'warehouse#WH-NYC',
      sk: `${time}#${kind}#${correlationId}${discriminator ? `#${discriminator}` : ''}`,
      kind,
      correlationId,
      detail: JSON.stringify(detail),
      ...(discriminator ? { discriminator } : {}),
      expiresAt: 1_800_000_000,
    }) as Record<string, unknown>;
  const plan = item('2026-11-20T10:40:00Z', 'plan', {
    planId: `plan#${correlationId}`,
    planner: 'reasoner',
    summary: 'Reroute open orders placed at WH-NYC.',
    tasks: ['reroute_orders'],
    validatedTasks: [
      {
        taskId: 'task-1',
        taskType: 'reroute_orders',
        parameters: { fromWarehouseId: 'WH-NYC', since: '2026-11-20T08:35:00Z' },
        costCents: 2_500,
        risk: 'medium',
        timeoutSeconds: 900,
        compensation: 'revert_reroute',
      },
    ],
    evidence: ['cancellation ratio at WH-NYC is 45.0% against a baseline of 4.8%'],
  });
  const reasoning = (attempt: number, outcome: string, extra: Record<string, unknown>) =>
    item(
      '2026-11-20T10:40:00Z',
      'reasoning',
      {
        attempt,
        outcome,
        modelId: 'global.anthropic.claude-haiku-4-5-20251001-v1:0',
        inputTokens: 1_500,
        outputTokens: 120,
        costMicroUsd: 2_100,
        prompt: {
          system: 'You are the planning agent.',
          messages: [{ role: 'user', content: [{ type: 'text', text: 'Plan the remediation of [email]' }] }],
          tools: ['reroute_orders', 'escalate_to_operator'],
        },
        output: [
          { type: 'tool_use', id: 'c1', tool: 'reroute_orders', input: { fromWarehouseId: 'WH-NYC' } },
        ],
        stopReason: 'tool_use',
        ...extra,
      },
      `attempt-${attempt}`,
    );
  const approval = item(
    '2026-11-20T10:42:00Z',
    'approval',
    { stage: 'decided', taskId: 'task-1', outcome: 'approved', decidedBy: 'on-call', tier: 'operator' },
    'task-1#decided#operator',
  );

  beforeEach(() => dynamodb.reset());

  it("queries the incident entity's partition for its correlation id, page by page", async () => {
    const pages = [
      { Items: [plan], LastEvaluatedKey: { pk: 'warehouse#WH-NYC', sk: 'x' } },
      { Items: [reasoning(1, 'accepted', {}), approval] },
    ];
    // Each request as it was sent (the SDK's paginator reuses one input object from page to page).
    const queries: Record<string, unknown>[] = [];
    dynamodb.on(QueryCommand).callsFake((input: Record<string, unknown>) => {
      queries.push(JSON.parse(JSON.stringify(input)) as Record<string, unknown>);
      return pages.shift();
    });

    const report = await decisionTraceReport(client(), { correlationId, table: 'Episodic' });

    expect(queries).toHaveLength(2);
    expect(queries[0]).toEqual({
      TableName: 'Episodic',
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'correlationId = :correlationId',
      ExpressionAttributeValues: { ':pk': 'warehouse#WH-NYC', ':correlationId': correlationId },
    });
    expect(queries[1]?.ExclusiveStartKey).toEqual({ pk: 'warehouse#WH-NYC', sk: 'x' });
    // Every record of both pages, in the order of the partition.
    expect(report.slice(0, 2)).toEqual([
      `Decision trace — ${correlationId}`,
      '  3 record(s) of warehouse#WH-NYC in episodic memory',
    ]);
    expect(report.filter((line) => /^(Plan|Model call|Approvals)/.test(line))).toEqual([
      `Plan — 2026-11-20 10:40:00Z — by reasoner: plan#${correlationId}`,
      'Model call 1 — 2026-11-20 10:40:00Z — accepted',
      'Approvals',
    ]);
  });

  it('narrows the read to an entity and a time when asked', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [] });

    await decisionTraceReport(client(), {
      correlationId: 'incident-42',
      table: 'Episodic',
      entity: 'region#us-east',
      since: '2026-11-20T00:00:00Z',
    });

    expect(dynamodb.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: {
        ':pk': 'region#us-east',
        ':correlationId': 'incident-42',
        ':since': '2026-11-20T00:00:00Z',
      },
    });
  });

  it('reads a correlation id that is no incident key from the incident entity', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [] });

    const report = await decisionTraceReport(client(), { correlationId: 'incident-42', table: 'Episodic' });

    expect(dynamodb.commandCalls(QueryCommand)[0]!.args[0].input.ExpressionAttributeValues).toEqual({
      ':pk': 'incident#incident-42',
      ':correlationId': 'incident-42',
    });
    expect(report).toEqual([
      'Decision trace — incident-42',
      '  no records of this incident in episodic memory',
    ]);
  });

  it('reports a rejected first call and its corrected retry, the plan and the approval', async () => {
    dynamodb.on(QueryCommand).resolves({
      Items: [
        plan,
        reasoning(2, 'accepted', {}),
        reasoning(1, 'rejected', {
          error: 'task 1 (reroute_orders): parameters.since: Invalid ISO datetime',
        }),
        approval,
      ],
    });

    const report = await decisionTraceReport(client(), { correlationId, table: 'Episodic' });

    expect(report).toEqual([
      `Decision trace — ${correlationId}`,
      '  4 record(s) of warehouse#WH-NYC in episodic memory',
      '',
      `Plan — 2026-11-20 10:40:00Z — by reasoner: plan#${correlationId}`,
      '  Reroute open orders placed at WH-NYC.',
      '  1. reroute_orders {"fromWarehouseId":"WH-NYC","since":"2026-11-20T08:35:00Z"} — cost $25.00, risk medium, timeout 900 s, undone by revert_reroute',
      '  evidence:',
      '    - cancellation ratio at WH-NYC is 45.0% against a baseline of 4.8%',
      ...[1, 2].flatMap((attempt) => [
        '',
        `Model call ${attempt} — 2026-11-20 10:40:00Z — ${attempt === 1 ? 'rejected' : 'accepted'}`,
        '  model global.anthropic.claude-haiku-4-5-20251001-v1:0 · tokens 1500 in / 120 out · cost $0.002100 · stop tool_use',
        '  prompt (as sent, redacted; tools offered: reroute_orders, escalate_to_operator)',
        '    system:',
        '      You are the planning agent.',
        '    user:',
        '      Plan the remediation of [email]',
        '  raw output:',
        '    → tool call reroute_orders {"fromWarehouseId":"WH-NYC"}',
        attempt === 1
          ? '  verdict: rejected by validation: task 1 (reroute_orders): parameters.since: Invalid ISO datetime'
          : '  verdict: passed validation against the task catalog',
      ]),
      '',
      'Approvals',
      '2026-11-20 10:42:00Z  approval approved for task-1 by on-call (tier operator)',
    ]);
  });
});
