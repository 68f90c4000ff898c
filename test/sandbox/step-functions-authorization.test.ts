import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../local/clock';
import { PolicyEvaluator } from '../../local/iam/policy-evaluator';
import type { PolicyDocument } from '../../local/iam/template-iam';
import type { PutEventsEntry } from '../../local/stepfunctions/host';
import { LocalStepFunctions } from '../../local/stepfunctions/local-step-functions';

const ACCOUNT = '123456789012';
const ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:Saga`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/SagaRole`;
const FUNCTION = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:planner`;
const BUS = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/agents`;

/** Announces on the bus, then calls a function: each call made with the state machine's role. */
const definition = JSON.stringify({
  StartAt: 'Announce',
  States: {
    Announce: {
      Type: 'Task',
      Resource: 'arn:aws:states:::events:putEvents',
      Parameters: {
        Entries: [
          { EventBusName: 'agents', Source: 'proactive.planning', DetailType: 'planned', Detail: {} },
        ],
      },
      ResultPath: null,
      Next: 'Plan',
    },
    Plan: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: FUNCTION, Payload: {} },
      End: true,
    },
  },
});

const allow = (action: string, resource: string, condition?: unknown) => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
  ...(condition === undefined ? {} : { Condition: condition }),
});

/** Runs the saga with a role whose policy holds `statements`; what the functions and the bus saw. */
async function runWithRole(...statements: unknown[]) {
  const policy: PolicyDocument = {
    Version: '2012-10-17',
    Statement: statements as Record<string, unknown>[],
  };
  const evaluator = new PolicyEvaluator(ACCOUNT);
  const invoked: string[] = [];
  const sent: PutEventsEntry[] = [];
  const sfn = new LocalStepFunctions(
    {
      clock: new VirtualClock(Date.parse('2026-11-20T10:00:00Z')),
      dynamodb: new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }),
      invokeLambda: (arn) => {
        invoked.push(arn);
        return Promise.resolve({ planned: true });
      },
      putEvents: (entries) => {
        sent.push(...entries);
        return Promise.resolve({
          FailedEntryCount: 0,
          Entries: entries.map((_, i) => ({ EventId: `e${i}` })),
        });
      },
      authorize: (roleArn, action, resource, context) =>
        Promise.resolve(
          evaluator.evaluateAnyResource({
            principal: roleArn,
            action,
            resource,
            identityPolicies: [{ name: 'saga', policy }],
            context,
          }),
        ),
    },
    { region: 'us-east-1', accountId: ACCOUNT },
  );
  try {
    sfn.createStateMachine({ stateMachineArn: ARN, name: 'Saga', definition, roleArn: ROLE });
    const { executionArn } = sfn.startExecution({ stateMachineArn: ARN, input: '{}' });
    await sfn.whenSettled();
    return { execution: sfn.describeExecution(executionArn), invoked, sent };
  } finally {
    await sfn.close();
  }
}

const sourceIs = (source: string) => ({ StringEquals: { 'events:source': source } });

describe('Task states call AWS with the state machine role: a permission it lacks fails the task, as on AWS', () => {
  it('runs every call the role allows', async () => {
    const { execution, invoked, sent } = await runWithRole(
      allow('events:PutEvents', BUS, sourceIs('proactive.planning')),
      allow('lambda:InvokeFunction', FUNCTION),
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect([invoked, sent.map((e) => e.Source)]).toEqual([[FUNCTION], ['proactive.planning']]);
  });

  it('fails the Lambda task with AccessDeniedException when the role may not invoke the function, and invokes nothing', async () => {
    const { execution, invoked } = await runWithRole(allow('events:PutEvents', BUS));
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'Lambda.AWSLambdaException',
      cause: expect.stringMatching(
        new RegExp(
          `^User: ${ROLE} is not authorized to perform: lambda:InvokeFunction on resource: ${FUNCTION} .*Status Code: 403; Error Code: AccessDeniedException`,
        ),
      ),
    });
    expect(invoked).toEqual([]);
  });

  it('authorizes each PutEvents entry with its source: an entry of another source is refused, and nothing is sent', async () => {
    const { execution, sent } = await runWithRole(
      allow('events:PutEvents', BUS, sourceIs('proactive.monitoring')),
      allow('lambda:InvokeFunction', FUNCTION),
    );
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'EventBridge.AmazonEventBridgeException',
      cause: expect.stringContaining(`events:PutEvents on resource: ${BUS}`),
    });
    expect(sent).toEqual([]);
  });
});
