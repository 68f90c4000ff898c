import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand, STSClient, type Tag } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { sessionTagValue } from '../../lambdas/domain/governance/task-session';
import type { ReplayInput } from '../../local/cli-input';
import type { EventEnvelope } from '../../local/eventbridge/bus';
import type { Sandbox } from '../../local/sandbox';
import { startSandbox } from './sandbox-fixture';

const C = 'warehouse#WH-NYC#2026-11-20T10:35:00Z';
const T0 = Date.parse('2026-11-20T11:00:00Z');
const region = 'us-east-1';

/** A saga command on the bus (no saga waits on its token here). */
function command(
  detailType: string,
  taskId: string,
  idempotencyKey: string,
  parameters: object,
): ReplayInput {
  return {
    raw: {
      version: '0',
      id: `cmd-${taskId}`,
      'detail-type': detailType,
      source: 'proactive.planning',
      account: '123456789012',
      time: new Date(T0).toISOString(),
      region,
      resources: [],
      detail: {
        schemaVersion: 1,
        correlationId: C,
        planId: `plan#${C}`,
        taskId,
        idempotencyKey,
        taskToken: `token-${taskId}`,
        parameters,
      },
    },
    time: T0,
    line: 0,
  };
}

describe('task sessions in the sandbox: STS AssumeRole with session tags, DynamoDB authorized by them', () => {
  let sandbox: Sandbox;
  let events: EventEnvelope[];
  const env = (service: string) => sandbox.functionByService(service).config.environment;
  /** An STS client signed as `service`'s function role. */
  const stsAs = (service: string) =>
    new STSClient({
      endpoint: sandbox.endpoint,
      region,
      credentials: { accessKeyId: env(service).AWS_ACCESS_KEY_ID!, secretAccessKey: 'sandbox' },
    });
  const tagsOf = (tags: Record<string, string>): Tag[] =>
    Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  /** A session of `service`'s task role, tagged `tags`, and a document client signed with it. */
  const session = async (service: string, tags: Record<string, string>) => {
    const { Credentials } = await stsAs(service).send(
      new AssumeRoleCommand({
        RoleArn: env(service).TASK_ROLE_ARN,
        RoleSessionName: 'test-session',
        DurationSeconds: 900,
        Tags: tagsOf(tags),
      }),
    );
    return DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: sandbox.dynamo!.url,
        region,
        credentials: {
          accessKeyId: Credentials!.AccessKeyId!,
          secretAccessKey: Credentials!.SecretAccessKey!,
          sessionToken: Credentials!.SessionToken!,
        },
      }),
    );
  };
  const incident = sessionTagValue(C, 'correlationId');
  const touchIntake = (doc: DynamoDBDocumentClient, warehouseId: string) =>
    doc.send(
      new UpdateCommand({
        TableName: env('operations-agent').NETWORK_TABLE_NAME,
        Key: { pk: `intake#${warehouseId}`, sk: 'state' },
        UpdateExpression: 'SET touchedBy = :t',
        ExpressionAttributeValues: { ':t': 'test' },
      }),
    );

  beforeAll(async () => {
    sandbox = await startSandbox(T0 - 60_000, { onlyConsumers: ['operations-agent'] });
    await sandbox.replay(
      [
        command('pause_warehouse_intake', `plan#${C}#task-2`, `pause-intake#${C}`, { warehouseId: 'WH-BOS' }),
        command('open_incident_ticket', `plan#${C}#task-1`, `ticket#${C}`, {
          scopeType: 'warehouse',
          scopeId: 'WH-NYC',
          severity: 'sev2',
        }),
      ],
      60,
      60,
    );
    events = [...sandbox.bus.archive];
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("carries out the operations agent's commands through sessions tagged with each task", async () => {
    const answers = events.filter((e) => e.source === 'proactive.operations').map((e) => e['detail-type']);
    expect(answers.sort()).toEqual(['incident_ticket_opened', 'warehouse_intake_paused']);
    const roleArn = env('operations-agent').TASK_ROLE_ARN;
    const issued = sandbox.sts.issued().map((s) => ({ role: s.role.arn, tags: s.tags }));
    expect(issued).toEqual(
      expect.arrayContaining([
        {
          role: roleArn,
          tags: {
            agent: 'operations-agent',
            incident,
            task: sessionTagValue(`plan#${C}#task-2`, 'taskId'),
            warehouse: 'WH-BOS',
          },
        },
        {
          role: roleArn,
          tags: {
            agent: 'operations-agent',
            incident,
            task: sessionTagValue(`plan#${C}#task-1`, 'taskId'),
            warehouse: 'WH-NYC',
          },
        },
      ]),
    );
    const { Item } = await sandbox.dynamodb.send(
      new GetCommand({
        TableName: env('operations-agent').NETWORK_TABLE_NAME,
        Key: { pk: 'intake#WH-BOS', sk: 'state' },
      }),
    );
    expect(Item?.pausedBy).toEqual(new Set([`pause-intake#${C}`]));
  });

  it("refuses a session tagged for warehouse WH-A an update of WH-B's intake item (AccessDeniedException)", async () => {
    const doc = await session('operations-agent', {
      agent: 'operations-agent',
      incident,
      task: 't1',
      warehouse: 'WH-A',
    });

    await expect(touchIntake(doc, 'WH-A')).resolves.toBeDefined();
    await expect(touchIntake(doc, 'WH-B')).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('is not authorized to perform: dynamodb:UpdateItem'),
    });
    const { Item } = await sandbox.dynamodb.send(
      new GetCommand({
        TableName: env('operations-agent').NETWORK_TABLE_NAME,
        Key: { pk: 'intake#WH-B', sk: 'state' },
      }),
    );
    expect(Item).toBeUndefined();
  });

  it("refuses a session without a warehouse tag every intake item, and other incidents' records", async () => {
    const doc = await session('operations-agent', { agent: 'operations-agent', incident, task: 't2' });
    const record = (partition: string) =>
      doc.send(
        new UpdateCommand({
          TableName: env('operations-agent').OPERATIONS_TABLE_NAME,
          Key: { pk: partition, sk: 'ticket#x' },
          UpdateExpression: 'SET touchedBy = :t',
          ExpressionAttributeValues: { ':t': 'test' },
        }),
      );

    await expect(touchIntake(doc, 'WH-A')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(record(`incident#${incident}`)).resolves.toBeDefined();
    await expect(record(`incident#${sessionTagValue('warehouse#WH-SEA#x', 'c')}`)).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it("lets a fulfillment session touch its own reroute journal and orders, never another reroute's journal", async () => {
    const journal = sessionTagValue(`reroute#${C}`, 'journal');
    const doc = await session('fulfillment-agent', {
      agent: 'fulfillment-agent',
      incident,
      task: 't3',
      warehouse: 'WH-NYC',
      journal,
    });
    const touch = (orderId: string) =>
      doc.send(
        new UpdateCommand({
          TableName: env('fulfillment-agent').ORDERS_TABLE_NAME,
          Key: { orderId },
          UpdateExpression: 'SET touchedBy = :t',
          ExpressionAttributeValues: { ':t': 'test' },
        }),
      );

    await expect(touch(`reroute#${journal}`)).resolves.toBeDefined();
    await expect(touch(`reroute#${journal}#part#0`)).resolves.toBeDefined();
    await expect(touch('order-1')).resolves.toBeDefined();
    await expect(touch('capacity#WH-BOS')).resolves.toBeDefined();
    await expect(touch(`reroute#${sessionTagValue('reroute#other', 'journal')}`)).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it.each([
    ['another agent’s function', 'fulfillment-agent', { agent: 'operations-agent', incident, task: 't' }],
    [
      'an agent tag other than the role’s agent',
      'operations-agent',
      { agent: 'fulfillment-agent', incident, task: 't' },
    ],
    [
      'a tag key outside the allowed ones',
      'operations-agent',
      { agent: 'operations-agent', incident, task: 't', team: 'x' },
    ],
    ['no incident tag', 'operations-agent', { agent: 'operations-agent', task: 't' }],
  ])('refuses AssumeRole of the operations task role by %s', async (_case, caller, tags) => {
    await expect(
      stsAs(caller).send(
        new AssumeRoleCommand({
          RoleArn: env('operations-agent').TASK_ROLE_ARN,
          RoleSessionName: 'test-session',
          DurationSeconds: 900,
          Tags: tagsOf(tags),
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('refuses AssumeRole of a role the template does not have, and DynamoDB requests of a session it never issued', async () => {
    await expect(
      stsAs('operations-agent').send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::123456789012:role/NoSuchRole',
          RoleSessionName: 'test-session',
          Tags: tagsOf({ agent: 'operations-agent', incident, task: 't' }),
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    const forged = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: sandbox.dynamo!.url,
        region,
        credentials: { accessKeyId: 'ASIAFORGED0000000000', secretAccessKey: 'x', sessionToken: 'y' },
      }),
    );
    await expect(touchIntake(forged, 'WH-A')).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });
});
