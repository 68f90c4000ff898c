/**
 * The one place the saga's Retry blocks come from: each Task state gets the retry policy of its kind (see
 * `lib/saga-definition.ts`), so that no Task goes without retries and none retries an error after which a second
 * attempt could act twice.
 */

/** What a Task state does, as far as retrying it is concerned. */
export type SagaTaskKind =
  'invoke' | 'publish' | 'start' | 'report' | 'approval' | 'command' | 'compensation';

/** One ASL retrier (JSONPath and JSONata alike), with the fields the saga uses. */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

/**
 * The Lambda service errors the Step Functions guide says to retry on `lambda:invoke`: the service, not the
 * function, failed. A function error or a timeout is never among them: the agents call models (cost and
 * budget), and the saga's Catch decides what a failed agent means.
 */
const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/** PutEvents refused, or an entry it did not accept (`FailedEntryCount` > 0): the event was not published. */
const EVENTBRIDGE_ERRORS = ['EventBridge.EventBridgeException', 'EventBridge.FailedEntry'] as const;

/**
 * StartExecution refused by the service, not by its input: throttled, or too many open executions. The execution
 * is named, so a start that did happen answers the retry as the same execution.
 */
const STEP_FUNCTIONS_ERRORS = [
  'StepFunctions.AWSStepFunctionsException',
  'StepFunctions.SdkClientException',
  'StepFunctions.ExecutionLimitExceededException',
] as const;

/** PutMetricData refused by CloudWatch itself (its fault, or throttled): the datapoint was not recorded. */
const CLOUDWATCH_ERRORS = ['CloudWatch.InternalServiceException', 'CloudWatch.CloudWatchException'] as const;

/** Fast, short retries for a service hiccup: 1 s, 2 s, 4 s. */
const transient = (errors: readonly string[]): Retrier => ({
  ErrorEquals: errors,
  IntervalSeconds: 1,
  MaxAttempts: 3,
  BackoffRate: 2,
});

/**
 * Lambda throttled the call (the account's or the function's concurrency is used up, e.g. by a burst on the
 * stream consumers): it passes as the burst drains, so it is retried longer than a hiccup, spread out — 2, 4, 8, 16
 * and 30 s at most, jittered, about a minute in all.
 */
const throttled: Retrier = {
  ErrorEquals: ['Lambda.TooManyRequestsException'],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
};

const policies: Readonly<Record<SagaTaskKind, readonly Retrier[]>> = {
  // A synchronous call of an agent (planning, policy, learning): the Lambda service errors only, throttling longest.
  invoke: [throttled, transient(LAMBDA_SERVICE_ERRORS.filter((error) => error !== throttled.ErrorEquals[0]))],
  // A fire-and-forget event. A timed-out PutEvents is sent again: EventBridge delivers at least once, so every
  // consumer already takes a second copy of an event in its stride.
  publish: [transient([...EVENTBRIDGE_ERRORS, 'States.Timeout'])],
  // A nested execution started and left to run (the recovery watch).
  start: [transient([...STEP_FUNCTIONS_ERRORS, 'States.Timeout'])],
  // A metric for the operations alarms (a recovery watch that could not start): CloudWatch refused it (throttled, its
  // own fault), so a second attempt cannot count it twice.
  report: [transient(CLOUDWATCH_ERRORS)],
  // A question to a person, answered through the task token. Its timeout is the tier lapsing (the Catch asks
  // the next tier) and ApprovalRejected is an answer: neither is retried.
  approval: [transient(EVENTBRIDGE_ERRORS)],
  // A command to an agent, answered through the task token within the task's own timeout, which is final (the
  // saga compensates). CapacityContended means the agent changed nothing: concurrent reroutes took the capacity
  // it planned with. The command (same idempotency key) goes again after a jittered backoff, so that contending
  // sagas spread out instead of colliding again.
  command: [
    transient(EVENTBRIDGE_ERRORS),
    {
      ErrorEquals: ['CapacityContended'],
      IntervalSeconds: 2,
      MaxAttempts: 3,
      BackoffRate: 2,
      JitterStrategy: 'FULL',
    },
  ],
  // An undo must happen if it possibly can: on every error, four more attempts (after 5, 10, 20 and 40 s; never
  // more than 60 s), before the saga reports it failed. Safe because the compensation command carries its idempotency
  // key: an agent that did act answers the resend from its idempotency record, without a second effect.
  compensation: [
    { ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 4, BackoffRate: 2, MaxDelaySeconds: 60 },
  ],
};

/** The Retry of a Task state of this kind, as ASL writes it (a fresh copy: the caller may serialize it). */
export function retryPolicy(kind: SagaTaskKind): Retrier[] {
  return policies[kind].map((retrier) => ({ ...retrier, ErrorEquals: [...retrier.ErrorEquals] }));
}
