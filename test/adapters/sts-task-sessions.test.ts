import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoIntakeStore } from '../../lambdas/adapters/dynamodb-intake-store';
import { StsTaskSessions, type StsTaskSessionsOptions } from '../../lambdas/adapters/sts-task-sessions';
import type { TaskSessionTags } from '../../lambdas/domain/governance/task-session';

/** What `open` receives: the session's temporary credentials. */
type SessionCredentials = Parameters<StsTaskSessionsOptions<unknown>['open']>[0];

const ROLE = 'arn:aws:iam::123456789012:role/OperationsTasks';
const region = 'us-east-1';
const tags = (warehouse: string, task = 't1'): TaskSessionTags => ({
  agent: 'operations-agent',
  incident: 'warehouse=23WH-A=232026-11-20T10:35:00Z',
  task,
  warehouse,
});

describe('StsTaskSessions', () => {
  let sts: STSClient;
  let stsMock: ReturnType<typeof mockClient>;
  let clock: number;
  let issued: number;

  beforeEach(() => {
    sts = new STSClient({ region });
    stsMock = mockClient(sts);
    clock = Date.parse('2026-11-20T11:00:00Z');
    issued = 0;
    stsMock.on(AssumeRoleCommand).callsFake(answer);
  });

  /** STS's answer: new credentials for 900 s, numbered. */
  const answer = () => {
    issued++;
    return {
      Credentials: {
        AccessKeyId: `ASIA${issued}`,
        SecretAccessKey: `secret-${issued}`,
        SessionToken: `token-${issued}`,
        Expiration: new Date(clock + 900_000),
      },
    };
  };

  /** Sessions whose value is the credentials they were opened with. */
  const sessions = (options: { maxSessions?: number } = {}) =>
    new StsTaskSessions<SessionCredentials>({
      roleArn: ROLE,
      sts,
      open: (c) => c,
      now: () => clock,
      ...options,
    });

  it('assumes the task role for 900 s with the task’s tags as session tags, none transitive', async () => {
    const credentials = await sessions().for(tags('WH-A'));

    expect(credentials).toEqual({
      accessKeyId: 'ASIA1',
      secretAccessKey: 'secret-1',
      sessionToken: 'token-1',
      expiration: new Date(clock + 900_000),
    });
    const [call] = stsMock.commandCalls(AssumeRoleCommand);
    expect(call!.args[0].input).toEqual({
      RoleArn: ROLE,
      RoleSessionName: 'operations-agent.t1',
      DurationSeconds: 900,
      Tags: [
        { Key: 'agent', Value: 'operations-agent' },
        { Key: 'incident', Value: 'warehouse=23WH-A=232026-11-20T10:35:00Z' },
        { Key: 'task', Value: 't1' },
        { Key: 'warehouse', Value: 'WH-A' },
      ],
    });
  });

  it('performs the effect with a client signed by the assumed session, not the function’s credentials', async () => {
    // The stores' document clients, whichever instance sends: each call is checked for the credentials it used.
    const documents = mockClient(DynamoDBDocumentClient);
    documents.on(TransactWriteCommand).resolves({});
    documents.on(GetCommand).resolves({ Item: { pausedBy: new Set(['pause-intake#x']) } });
    const stores = new StsTaskSessions({
      roleArn: ROLE,
      sts,
      now: () => clock,
      open: (credentials) => new DynamoIntakeStore('network', new DynamoDBClient({ region, credentials })),
    });

    try {
      const intake = await stores.for(tags('WH-A'));
      await intake.pause('WH-A', 'pause-intake#x', '2026-11-20T11:00:00Z');

      const [transaction] = documents.commandCalls(TransactWriteCommand);
      expect(
        transaction!.args[0].input.TransactItems?.map((item) => (item.ConditionCheck ?? item.Update)?.Key),
      ).toEqual([
        { pk: 'intake#WH-A', sk: 'lifted#pause-intake#x' },
        { pk: 'intake#WH-A', sk: 'state' },
      ]);
      const [read] = documents.commandCalls(GetCommand);
      expect(read!.args[0].input.Key).toEqual({ pk: 'intake#WH-A', sk: 'state' });
      for (const call of [transaction!, read!]) {
        const sender = call.thisValue as DynamoDBDocumentClient;
        expect(await sender.config.credentials()).toMatchObject({
          accessKeyId: 'ASIA1',
          secretAccessKey: 'secret-1',
          sessionToken: 'token-1',
        });
      }
    } finally {
      documents.restore();
    }
  });

  it('reuses a tag set’s session until shortly before it expires, then assumes the role again', async () => {
    const kept = sessions();
    await kept.for(tags('WH-A'));
    clock += 700_000; // 200 s left: more than the 120 s margin
    expect((await kept.for(tags('WH-A'))).accessKeyId).toBe('ASIA1');
    clock += 81_000; // 119 s left
    expect((await kept.for(tags('WH-A'))).accessKeyId).toBe('ASIA2');
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('gives each tag set its own session, and concurrent asks for one tag set one AssumeRole', async () => {
    const kept = sessions();
    const [a1, a2, b] = await Promise.all([
      kept.for(tags('WH-A')),
      kept.for(tags('WH-A')),
      kept.for(tags('WH-B')),
    ]);
    expect([a1.accessKeyId, a2.accessKeyId, b.accessKeyId]).toEqual(['ASIA1', 'ASIA1', 'ASIA2']);
    expect(stsMock.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.Tags?.[3]?.Value)).toEqual([
      'WH-A',
      'WH-B',
    ]);
  });

  it('keeps at most maxSessions, dropping the least recently used', async () => {
    const kept = sessions({ maxSessions: 2 });
    await kept.for(tags('WH-A'));
    await kept.for(tags('WH-B'));
    await kept.for(tags('WH-A'));
    await kept.for(tags('WH-C')); // drops WH-B
    expect((await kept.for(tags('WH-A'))).accessKeyId).toBe('ASIA1');
    expect((await kept.for(tags('WH-B'))).accessKeyId).toBe('ASIA4');
  });

  it('keeps no session when AssumeRole is refused: the next ask tries again', async () => {
    stsMock
      .on(AssumeRoleCommand)
      .rejectsOnce(
        Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' }),
      )
      .callsFake(answer);
    const kept = sessions();
    await expect(kept.for(tags('WH-A'))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(kept.for(tags('WH-A'))).resolves.toMatchObject({ accessKeyId: 'ASIA1' });
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('refuses lifetimes STS would refuse, and a margin as long as the lifetime, naming the option', () => {
    const open = (c: SessionCredentials) => c;
    expect(() => new StsTaskSessions({ roleArn: ROLE, sts, open, durationSeconds: 600 })).toThrow(
      /durationSeconds .* got 600/,
    );
    expect(() => new StsTaskSessions({ roleArn: ROLE, sts, open, marginSeconds: 900 })).toThrow(
      /marginSeconds .* got 900/,
    );
  });
});
