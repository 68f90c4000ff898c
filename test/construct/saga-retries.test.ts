import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { remediationSagaDefinition } from '../../lib/saga-definition';
import { repoRoot, synthStack } from './stack-fixture';

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds: number;
  MaxAttempts: number;
  BackoffRate: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}
interface Catcher {
  ErrorEquals: string[];
  ResultPath: string | null;
  Next: string;
}
interface State {
  Type: string;
  Resource?: string;
  Parameters?: { Entries?: { Detail?: Record<string, unknown> }[]; 'Name.$'?: string };
  Retry?: Retrier[];
  Catch?: Catcher[];
  ItemProcessor?: Machine;
}
interface Machine {
  States: Record<string, State>;
  TimeoutSeconds?: number;
}

/** Every Task state of `machine` by name, those of a Map's item processor included (names are machine-wide). */
const tasksOf = (machine: Machine): [string, State][] =>
  Object.entries(machine.States).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [[name, state] as [string, State]] : []),
    ...(state.ItemProcessor ? tasksOf(state.ItemProcessor) : []),
  ]);

// The policies, written out here rather than imported: a change to lib/saga-retry-policies.ts changes this
// specification too, on purpose.
/** The Lambda service's transient errors (not the function's errors, not a timeout), throttling aside. */
const lambdaServiceErrors = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
];
/** PutEvents refused, or an entry it did not accept. */
const eventBridgeErrors = ['EventBridge.EventBridgeException', 'EventBridge.FailedEntry'];
const quickly = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 };
/** Throttling passes as a burst drains: retried for about a minute, jittered (2 s to 30 s apart). */
const throttled = {
  ErrorEquals: ['Lambda.TooManyRequestsException'],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
};
const invoke: Retrier[] = [throttled, { ErrorEquals: lambdaServiceErrors, ...quickly }];
const publish: Retrier[] = [{ ErrorEquals: [...eventBridgeErrors, 'States.Timeout'], ...quickly }];
const approval: Retrier[] = [{ ErrorEquals: eventBridgeErrors, ...quickly }];
/** StartExecution refused by the service (throttled, too many executions), or timed out. */
const start: Retrier[] = [
  {
    ErrorEquals: [
      'StepFunctions.AWSStepFunctionsException',
      'StepFunctions.SdkClientException',
      'StepFunctions.ExecutionLimitExceededException',
      'States.Timeout',
    ],
    ...quickly,
  },
];
const command: Retrier[] = [
  { ErrorEquals: eventBridgeErrors, ...quickly },
  {
    ErrorEquals: ['CapacityContended'],
    IntervalSeconds: 2,
    MaxAttempts: 3,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  },
];
/** PutMetricData refused by CloudWatch itself: the datapoint was not recorded. */
const cloudWatchErrors = ['CloudWatch.InternalServiceException', 'CloudWatch.CloudWatchException'];
const report: Retrier[] = [{ ErrorEquals: cloudWatchErrors, ...quickly }];
const compensation: Retrier[] = [
  { ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 4, BackoffRate: 2, MaxDelaySeconds: 60 },
];
const onAnyError = (Next: string, ResultPath = '$.error'): Catcher[] => [
  { ErrorEquals: ['States.ALL'], ResultPath, Next },
];

describe('RemediationSaga retries', () => {
  const { template } = synthStack();
  const machines = template.findResources('AWS::StepFunctions::StateMachine') as Record<
    string,
    { Properties: { DefinitionString: string } }
  >;
  const sagaMachine = Object.entries(machines).filter(([logicalId]) =>
    logicalId.startsWith('RemediationSaga'),
  );
  const deployed = JSON.parse(sagaMachine[0]![1].Properties.DefinitionString) as Machine;

  it('deploys the saga and its recovery watch, whose definitions the tests below read', () => {
    expect(
      Object.keys(machines)
        .map((logicalId) => logicalId.replace(/[0-9A-F]{8}$/, ''))
        .sort(),
    ).toEqual(['RecoveryWatchStateMachine', 'RemediationSagaStateMachine']);
  });

  it('retries and catches every Task state exactly as its kind and its place in the saga say', () => {
    const actual = Object.fromEntries(
      tasksOf(deployed).map(([name, state]) => [name, { Retry: state.Retry, Catch: state.Catch }]),
    );
    expect(actual).toStrictEqual({
      // Planning: a failure reports it, and nothing has run.
      Plan: { Retry: invoke, Catch: onAnyError('ReportPlanningFailure') },
      AnnouncePlan: { Retry: publish, Catch: onAnyError('ReportPlanningFailure') },
      ReportPlanningFailure: { Retry: publish, Catch: onAnyError('PlanningFailed', '$.reportError') },
      // Each task: authorize, perhaps ask people, command the agent; a failure compensates what ran.
      AuthorizeTask: { Retry: invoke, Catch: onAnyError('ReportRemediationFailure') },
      PublishSuggestion: { Retry: publish, Catch: onAnyError('ReportRemediationFailure') },
      RequestApproval: {
        Retry: approval,
        Catch: [
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.run.approval.lapse', Next: 'TierLapsed' },
          {
            ErrorEquals: ['ApprovalRejected'],
            ResultPath: '$.run.approval.rejection',
            Next: 'AnnounceRejection',
          },
          ...onAnyError('ReportRemediationFailure'),
        ],
      },
      AnnounceApproval: { Retry: publish, Catch: onAnyError('ReportRemediationFailure') },
      AnnounceRejection: { Retry: publish, Catch: onAnyError('ReportRemediationFailure') },
      AnnounceEscalation: { Retry: publish, Catch: onAnyError('ReportRemediationFailure') },
      AnnounceExpiry: { Retry: publish, Catch: onAnyError('ReportRemediationFailure') },
      ReportDenial: { Retry: publish, Catch: onAnyError('EscalateDenial', '$.reportError') },
      EscalateDenial: { Retry: publish, Catch: onAnyError('TaskDenied', '$.reportError') },
      RunTask: {
        Retry: command,
        Catch: [
          { ErrorEquals: ['RerouteNotPlannable'], ResultPath: '$.error', Next: 'EscalateToOperator' },
          ...onAnyError('ReportRemediationFailure'),
        ],
      },
      EscalateToOperator: { Retry: publish, Catch: onAnyError('ReportRemediationFailure', '$.reportError') },
      // Learning never undoes a remediation, nor does the recovery watch: their failure ends the saga as it
      // would have ended.
      Learn: { Retry: invoke, Catch: onAnyError('WatchRecovery', '$.learningError') },
      WatchRecovery: {
        Retry: start,
        Catch: [
          // The watch exists: a twin execution for the same spike (delivered twice) started it.
          {
            ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'],
            ResultPath: '$.recoveryWatchError',
            Next: 'Remediated',
          },
          ...onAnyError('ReportWatchNotStarted', '$.recoveryWatchError'),
        ],
      },
      // A watch that could not start is reported to the operations alarms; a report that fails ends it all the same.
      ReportWatchNotStarted: { Retry: report, Catch: onAnyError('Remediated', '$.reportError') },
      // The reverse walk: a report that fails does not stop the compensations.
      ReportRemediationFailure: { Retry: publish, Catch: onAnyError('PlanCompensations', '$.reportError') },
      RunCompensation: { Retry: compensation, Catch: onAnyError('ReportCompensationFailed') },
      ReportCompensationFailed: { Retry: publish, Catch: onAnyError('CompensationNotDone', '$.reportError') },
      AnnounceCompensated: { Retry: publish, Catch: onAnyError('LearnFromCompensation', '$.announceError') },
      LearnFromCompensation: { Retry: invoke, Catch: onAnyError('Compensated', '$.learningError') },
      ReportCompensationFailure: {
        Retry: publish,
        Catch: onAnyError('EscalateCompensationFailure', '$.reportError'),
      },
      EscalateCompensationFailure: {
        Retry: publish,
        Catch: onAnyError('CompensationFailed', '$.reportError'),
      },
    });
  });

  it('retries an error after which a task may have acted only where acting again has no second effect', () => {
    // What a second attempt of any task may follow: the service did not take the request (AWS's transient errors,
    // throttling among them).
    const notTaken = new Set([
      ...lambdaServiceErrors,
      ...throttled.ErrorEquals,
      ...eventBridgeErrors,
      ...cloudWatchErrors,
    ]);
    const unsafe: string[] = [];
    for (const [name, state] of tasksOf(deployed)) {
      const request = state.Parameters?.Entries?.[0]?.Detail ?? {};
      // A command with an idempotency key: the agent answers a second delivery from its idempotency record.
      const idempotent = typeof request['idempotencyKey.$'] === 'string';
      // A plain PutEvents: EventBridge delivers at least once, so a second copy is nothing new to a consumer.
      const plainPublish = state.Resource === 'arn:aws:states:::events:putEvents';
      // A named execution: starting it again with the same name and input answers with the same execution.
      const namedStart =
        state.Resource === 'arn:aws:states:::states:startExecution' &&
        state.Parameters?.['Name.$'] !== undefined;
      for (const error of (state.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals)) {
        const safe =
          notTaken.has(error) || idempotent || namedStart || (plainPublish && error === 'States.Timeout');
        if (!safe) unsafe.push(`${name} retries ${error}`);
      }
    }
    expect(unsafe).toEqual([]);
  });

  it('retries every Task state and catches every error of each', () => {
    const tasks = tasksOf(deployed);
    expect(tasks.length).toBeGreaterThan(0);
    for (const [name, state] of tasks) {
      expect([name, (state.Retry ?? []).length > 0]).toEqual([name, true]);
      expect([name, state.Catch?.at(-1)?.ErrorEquals]).toEqual([name, ['States.ALL']]);
    }
  });
});

describe('remediationSagaDefinition', () => {
  const asl = JSON.parse(
    readFileSync(path.join(repoRoot, 'statemachines', 'remediation-saga.asl.json'), 'utf8'),
  ) as Machine;
  const directory = mkdtempSync(path.join(tmpdir(), 'saga-definition-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  let files = 0;

  /** The saga's definition with `change` applied to a copy of the ASL file. */
  const definitionWith = (change: (machine: Machine) => void): string => {
    const machine = structuredClone(asl);
    change(machine);
    const file = path.join(directory, `definition-${++files}.asl.json`);
    writeFileSync(file, JSON.stringify(machine));
    return remediationSagaDefinition(file);
  };

  it('fails on a Task state that writes its own Retry, naming it', () => {
    expect(() =>
      definitionWith((machine) => {
        machine.States.AnnouncePlan!.Retry = [{ ErrorEquals: ['States.ALL'], ...quickly }];
      }),
    ).toThrow("Task state 'AnnouncePlan' writes its own Retry");
  });

  it('fails on a Task state whose resource tells no retry kind, naming it and the resource', () => {
    expect(() =>
      definitionWith((machine) => {
        machine.States.RecordOutcome = {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:putItem',
          Catch: onAnyError('Remediated'),
        };
      }),
    ).toThrow("Task state 'RecordOutcome' (arn:aws:states:::dynamodb:putItem) has no retry kind");
  });

  it('fails when a Task the kinds table names is gone (renamed or removed), naming it', () => {
    expect(() =>
      definitionWith((machine) => {
        delete machine.States.Compensate;
      }),
    ).toThrow('REMEDIATION_TASK_KINDS names no Task state of the definition: RunCompensation');
  });

  it('fails when the execution timeout could end a saga before its compensations: no Catch runs on a timeout', () => {
    // Five tasks, each with a whole 4-hour escalation chain, a 900 s command and a 300 s compensation retried
    // four times (after 5, 10, 20 and 40 s): 5 × (14,400 + 900 + 5 × 300 + 75) = 84,375 s.
    expect(() =>
      definitionWith((machine) => {
        machine.TimeoutSeconds = 84_375;
      }),
    ).toThrow("the saga's TimeoutSeconds (84375) must exceed its longest run (84375 s");
    expect(() =>
      definitionWith((machine) => {
        machine.TimeoutSeconds = 84_376;
      }),
    ).not.toThrow();
  });
});
