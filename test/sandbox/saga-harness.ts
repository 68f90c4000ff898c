import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { remediationSagaDefinition } from '../../lib/saga-definition';
import { VirtualClock } from '../../local/clock';
import type { PutEventsEntry } from '../../local/stepfunctions/host';
import { LocalStepFunctions, type StepFunctionsHost } from '../../local/stepfunctions/local-step-functions';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
export const PLANNING_FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:planning-agent`;
export const LEARNING_FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:learning-agent`;
export const POLICY_FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:policy-agent`;
export const EVENT_BUS_NAME = 'proactive-agents';
/** The recovery watch the saga starts once it has remediated (a harness creates it when a test needs it). */
export const RECOVERY_WATCH_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:RecoveryWatch`;
const SAGA_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:RemediationSaga`;

/** The saga's definition as the stack deploys it, its DefinitionSubstitutions filled in as CloudFormation would. */
export function sagaDefinition(): string {
  const substitutions: Record<string, string> = {
    PlanningFunctionArn: PLANNING_FUNCTION_ARN,
    LearningFunctionArn: LEARNING_FUNCTION_ARN,
    PolicyFunctionArn: POLICY_FUNCTION_ARN,
    RecoveryWatchArn: RECOVERY_WATCH_ARN,
    EventBusName: EVENT_BUS_NAME,
    MetricsNamespace: 'ProactiveAgents',
  };
  return remediationSagaDefinition().replace(/\$\{(\w+)\}/g, (_, key: string) => {
    const value = substitutions[key];
    if (value === undefined) throw new Error(`No test value for substitution ${key}`);
    return value;
  });
}

export type Detail = Record<string, unknown>;

/** What the policy Lambda answers the saga (the fields the saga reads). */
export interface PolicyAnswer {
  readonly decision: 'allow' | 'deny' | 'require_approval' | 'suggest';
  readonly decisionId?: string;
  readonly determiningPolicies?: readonly string[];
  readonly reasons?: readonly string[];
  readonly escalation?: {
    readonly tiers: readonly { name: string; approvers: string; timeoutSeconds: number }[];
    readonly onExhausted: 'compensate' | 'deny';
  };
}

/** The policy decision point allowing everything. */
const allowAll = (): PolicyAnswer => ({ decision: 'allow' });

/** A command the saga put on the bus and waits for: its detail-type, detail and token. */
export interface SentCommand {
  readonly detailType: string;
  readonly detail: Detail & { taskId: string; idempotencyKey: string; taskToken: string };
}

/**
 * The real saga definition on the sandbox's Step Functions (aws-local-stepfunctions with task tokens on a
 * virtual clock), with the AWS boundary stood in for: the planning Lambda answers `plan`, the learning Lambda
 * records what it is asked, and PutEvents records the entries (the agents are played by the test through
 * SendTaskSuccess / SendTaskFailure, as the saga callback does).
 */
export class SagaHarness {
  readonly clock: VirtualClock;
  readonly sfn: LocalStepFunctions;
  readonly published: PutEventsEntry[] = [];
  readonly learned: unknown[] = [];
  /** What the policy Lambda was asked, in order. */
  readonly authorizations: Detail[] = [];
  private answered = 0;

  constructor(
    private readonly plan: unknown,
    start: number,
    /** The policy decision point's answer to each request. @default allow */
    policy: (request: Detail) => PolicyAnswer = allowAll,
  ) {
    this.clock = new VirtualClock(start);
    let eventIds = 0;
    this.sfn = new LocalStepFunctions(
      {
        clock: this.clock,
        // The saga has no DynamoDB task: nothing listens here.
        dynamodb: new DynamoDBClient({ region: REGION, endpoint: 'http://127.0.0.1:9' }),
        invokeLambda: (functionArn, payload) => {
          if (functionArn === POLICY_FUNCTION_ARN) {
            const request = payload as Detail;
            this.authorizations.push(request);
            const answer = policy(request);
            return Promise.resolve({
              decisionId: `decision-${this.authorizations.length}`,
              determiningPolicies: [],
              reasons: [],
              ...answer,
            });
          }
          if (functionArn === LEARNING_FUNCTION_ARN) {
            this.learned.push(payload);
            return Promise.resolve({ template: { action: 'unchanged' }, indexed: [] });
          }
          return Promise.resolve(this.plan);
        },
        putEvents: (entries): ReturnType<StepFunctionsHost['putEvents']> => {
          this.published.push(...entries);
          return Promise.resolve({
            FailedEntryCount: 0,
            Entries: entries.map(() => ({ EventId: `event-${++eventIds}` })),
          });
        },
      },
      { region: REGION, accountId: ACCOUNT },
    );
  }

  async start(spike: Detail): Promise<string> {
    this.sfn.createStateMachine({
      stateMachineArn: SAGA_ARN,
      name: 'RemediationSaga',
      definition: sagaDefinition(),
    });
    // The recovery watch's own definition is the stack's (construct tests); here it only records being started.
    this.sfn.createStateMachine({
      stateMachineArn: RECOVERY_WATCH_ARN,
      name: 'RecoveryWatch',
      definition: JSON.stringify({ StartAt: 'Started', States: { Started: { Type: 'Succeed' } } }),
    });
    const { executionArn } = this.sfn.startExecution({
      stateMachineArn: SAGA_ARN,
      input: JSON.stringify(spike),
    });
    await this.sfn.whenSettled();
    return executionArn;
  }

  /** The details published with this detail-type, in order. */
  details(detailType: string): Detail[] {
    return this.published
      .filter((entry) => entry.DetailType === detailType)
      .map((entry) => JSON.parse(entry.Detail ?? 'null') as Detail);
  }

  detailTypes(): string[] {
    return this.published.map((entry) => entry.DetailType ?? '');
  }

  /** Every command sent so far (entries that carry a task token), in order. */
  commands(): SentCommand[] {
    return this.published
      .map((entry) => ({
        detailType: entry.DetailType ?? '',
        detail: JSON.parse(entry.Detail ?? '{}') as SentCommand['detail'],
      }))
      .filter((command) => typeof command.detail.taskToken === 'string');
  }

  /**
   * Plays the agents: answers each new command as `answer` says — an output (SendTaskSuccess), an error
   * (SendTaskFailure) or `undefined` to leave it waiting — until no new command arrives.
   */
  async answer(
    answer: (command: SentCommand) => Detail | { error: string; cause: string } | undefined,
  ): Promise<void> {
    for (let sent = this.commands(); this.answered < sent.length; sent = this.commands()) {
      const command = sent[this.answered++]!;
      const reply = answer(command);
      if (reply === undefined) continue;
      if ('error' in reply && typeof reply.error === 'string') {
        this.sfn.sendTaskFailure(command.detail.taskToken, reply.error, String(reply.cause));
      } else {
        this.sfn.sendTaskSuccess(command.detail.taskToken, JSON.stringify(reply));
      }
      await this.sfn.whenSettled();
    }
  }

  /** Moves the virtual clock one timer at a time, letting the execution react to each. */
  async advanceBy(ms: number): Promise<void> {
    const target = this.clock.now() + ms;
    for (
      let next = this.clock.nextTimerAt();
      next !== undefined && next <= target;
      next = this.clock.nextTimerAt()
    ) {
      this.clock.advanceTo(next);
      await this.sfn.whenSettled();
    }
    this.clock.advanceTo(target);
    await this.sfn.whenSettled();
  }

  close(): Promise<void> {
    return this.sfn.close();
  }
}
