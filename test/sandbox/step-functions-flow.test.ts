import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../local/clock';
import type { PutEventsEntry } from '../../local/stepfunctions/host';
import { LocalStepFunctions } from '../../local/stepfunctions/local-step-functions';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Flow';
const DOUBLE = 'arn:aws:lambda:us-east-1:123456789012:function:double';

/** Parallel branches that each wait on a task token, then a Map over items through a Lambda task. */
const definition = JSON.stringify({
  StartAt: 'AskBoth',
  States: {
    AskBoth: {
      Type: 'Parallel',
      Branches: ['left', 'right'].map((side) => ({
        StartAt: `Ask-${side}`,
        States: {
          [`Ask-${side}`]: {
            Type: 'Task',
            Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
            Parameters: {
              Entries: [
                { Source: 'test', DetailType: side, Detail: { 'taskToken.$': '$$.Task.Token', side } },
              ],
            },
            TimeoutSeconds: 600,
            End: true,
          },
        },
      })),
      ResultPath: '$.answers',
      Next: 'DoubleEach',
    },
    DoubleEach: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Double',
        States: {
          Double: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: DOUBLE, 'Payload.$': '$' },
            OutputPath: '$.Payload',
            End: true,
          },
        },
      },
      ResultPath: '$.doubled',
      End: true,
    },
  },
});

describe('LocalStepFunctions with Parallel and Map', () => {
  it('gives each Parallel branch its own task token and maps items through a Lambda task', async () => {
    const clock = new VirtualClock(Date.parse('2026-11-20T10:00:00Z'));
    const sent: PutEventsEntry[] = [];
    const sfn = new LocalStepFunctions(
      {
        clock,
        dynamodb: new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }),
        invokeLambda: (arn, payload) => Promise.resolve(arn === DOUBLE ? Number(payload) * 2 : null),
        putEvents: (entries) => {
          sent.push(...entries);
          return Promise.resolve({
            FailedEntryCount: 0,
            Entries: entries.map((_, i) => ({ EventId: `e${i}` })),
          });
        },
      },
      { region: 'us-east-1', accountId: '123456789012' },
    );
    try {
      sfn.createStateMachine({ stateMachineArn: ARN, name: 'Flow', definition });
      const { executionArn } = sfn.startExecution({
        stateMachineArn: ARN,
        input: JSON.stringify({ items: [1, 2, 3] }),
      });
      await sfn.whenSettled();

      const tokens = sent.map((e) => JSON.parse(e.Detail!) as { taskToken: string; side: string });
      expect(tokens.map((t) => t.side).sort()).toEqual(['left', 'right']);
      expect(new Set(tokens.map((t) => t.taskToken)).size).toBe(2);
      for (const { taskToken, side } of tokens) sfn.sendTaskSuccess(taskToken, JSON.stringify({ side }));
      await sfn.whenSettled();

      const execution = sfn.describeExecution(executionArn);
      expect(execution.status).toBe('SUCCEEDED');
      expect(JSON.parse(execution.output!)).toEqual({
        items: [1, 2, 3],
        answers: [{ side: 'left' }, { side: 'right' }],
        doubled: [2, 4, 6],
      });
    } finally {
      await sfn.close();
    }
  });
});
