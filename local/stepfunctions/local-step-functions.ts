import '../polyfills';
import { randomUUID } from 'node:crypto';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { ClockTimer, VirtualClock } from '../clock';
import { STATES_PAYLOAD_MAX_BYTES } from '../limits';
import { handleStepFunctionsApiRequest } from './api';
import { checkPayload, enforceStateDataLimit } from './data-limit';
import {
  AWS_DEFAULT_TASK_TIMEOUT_SECONDS,
  ENGINE_MAX_TIMEOUT_SECONDS,
  INJECTED,
  VIRTUAL_START_TIME_FIELD,
  normalizeDefinition,
  type NormalizedDefinition,
  type TaskSpec,
} from './definition';
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidArn,
  InvalidExecutionInput,
  InvalidName,
  InvalidOutput,
  InvalidToken,
  StateError,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  ValidationException,
  runtimeError,
} from './errors';
import { ExecutionHistory, TaskAttempt } from './history';
import type { StepFunctionsHost } from './host';
import {
  dynamoDbIntegration,
  invokeFunction,
  invokeLambdaIntegration,
  putEventsIntegration,
  putMetricDataIntegration,
  type AccountScope,
} from './integrations';
import { isJsonObject, tryParseJson, type Json, type JsonObject } from './json';
import { retryWaitMs } from './retry-wait';
import { taskAccessOf } from './task-access';
import { TaskTokenRegistry, type PendingTaskToken } from './task-tokens';
import { timeoutErrorFactory, type TimeoutErrorFactory } from './timeout-error';
import { tracedHost, type ExecutionTrace, type StepFunctionsTracing } from '../xray/execution-segments';

export type { StepFunctionsHost } from './host';
export type { PendingTaskToken } from './task-tokens';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
export type StateMachineType = 'STANDARD' | 'EXPRESS';

/** DescribeExecution's output. */
export interface ExecutionDescription {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  inputDetails: { included: boolean };
  output?: string;
  outputDetails?: { included: boolean };
  error?: string;
  cause?: string;
  redriveCount: number;
}

/** ListExecutions' items. */
export interface ExecutionListItem {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
}

/** DescribeStateMachine's output. */
export interface StateMachineDescription {
  stateMachineArn: string;
  name: string;
  status: 'ACTIVE';
  definition: string;
  roleArn: string;
  type: StateMachineType;
  creationDate: Date;
}

export interface LocalStepFunctionsOptions {
  /** Completes bare Lambda function names. @default 'us-east-1' */
  region?: string;
  /** Completes bare Lambda function names. @default '000000000000' */
  accountId?: string;
}

interface StateMachineRecord {
  readonly arn: string;
  readonly name: string;
  readonly type: StateMachineType;
  readonly roleArn: string;
  readonly definition: string;
  readonly normalized: NormalizedDefinition;
  readonly engine: StateMachine;
  readonly scope: AccountScope;
  readonly creationDate: Date;
  /** `TracingConfiguration.Enabled`: executions record X-Ray segments (when the sandbox collects them). */
  readonly tracingEnabled: boolean;
}

interface ExecutionRecord {
  readonly arn: string;
  readonly name: string;
  readonly machine: StateMachineRecord;
  readonly input: string;
  readonly inputValue: Json;
  readonly startDate: Date;
  readonly history: ExecutionHistory;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** Service calls in progress (Lambda, EventBridge, DynamoDB), including those a timeout left running. */
  inFlight: number;
  /** Waits on a task token or on the virtual clock (Wait states). */
  blocked: number;
  /** The run is over and its history complete. */
  finished: boolean;
  /** The token `$$.Task.Token` minted while the current state's Parameters were evaluated. */
  mintedToken?: string | undefined;
  stop?: { status: 'ABORTED' | 'TIMED_OUT'; error?: string; cause?: string };
  abort?: () => void;
  timeout?: ClockTimer;
  readonly cancelWaits: Set<() => void>;
  /** Task states whose last attempt failed and will be retried: each retrier's retries, and the wait before the next. */
  readonly retrying: Map<string, { attempts: number[]; waitMs?: number | undefined }>;
  done: Promise<void>;
  /** X-Ray: the execution's segment and its Task states' subsegments. */
  trace?: ExecutionTrace | undefined;
}

type Outcome =
  | { kind: 'succeeded'; output: Json }
  | { kind: 'failed'; error?: string; cause?: string }
  | { kind: 'stopped' };

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;
/** AWS rejects whitespace, brackets, wildcards, special and control characters in execution names. */
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const MAX_TOKEN_LENGTH = 2048;

/** Whether `name` is a valid execution name: 1–80 characters, none of those AWS rejects. */
export function isExecutionName(name: string): boolean {
  return EXECUTION_NAME.test(name) && !CONTROL_CHARACTER.test(name);
}

/**
 * The API's answer to a payload over 256 KiB (StartExecution's `input`, SendTaskSuccess's `output`): both fields are
 * modelled with a maximum length of 262144, "expressed as bytes in UTF-8 encoding"
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html), and a request breaking a
 * modelled constraint is refused with a ValidationException before the operation runs.
 */
function checkApiPayload(field: 'input' | 'output', text: string): void {
  if (Buffer.byteLength(text, 'utf8') <= STATES_PAYLOAD_MAX_BYTES) return;
  throw new ValidationException(
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${STATES_PAYLOAD_MAX_BYTES}`,
  );
}

/**
 * The sandbox's Step Functions: runs the template's state machines on aws-local-stepfunctions with the task tokens,
 * timeouts, heartbeats and Wait states on the virtual clock, and answers the Step Functions API.
 *
 * @example
 * const sfn = new LocalStepFunctions({ clock, invokeLambda, putEvents, dynamodb });
 * sfn.createStateMachine({ stateMachineArn, name: 'RemediationSaga', definition });
 * const { executionArn } = sfn.startExecution({ stateMachineArn, input: JSON.stringify(event) });
 * await sfn.whenSettled(); // blocked on the reroute_orders token
 * sfn.sendTaskSuccess(sfn.pendingTaskTokens()[0]!.token, '{"rerouted":12}');
 */
export class LocalStepFunctions {
  private readonly clock: VirtualClock;
  private readonly tokens: TaskTokenRegistry;
  private readonly defaultScope: AccountScope;
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private timeoutError?: TimeoutErrorFactory;
  private version = 0;
  private changeWaiters: (() => void)[] = [];
  /** X-Ray: segments of executions of state machines with tracing enabled (local/xray). @default - not traced */
  tracing: StepFunctionsTracing | undefined;

  constructor(
    private readonly host: StepFunctionsHost,
    options: LocalStepFunctionsOptions = {},
  ) {
    enforceStateDataLimit();
    this.clock = host.clock;
    this.tokens = new TaskTokenRegistry(host.clock);
    this.defaultScope = {
      region: options.region ?? 'us-east-1',
      accountId: options.accountId ?? '000000000000',
    };
  }

  /** Registers a state machine; `definition` has its DefinitionSubstitutions applied already. */
  createStateMachine(input: {
    stateMachineArn: string;
    name: string;
    definition: string;
    type?: StateMachineType;
    roleArn?: string;
    tracingEnabled?: boolean;
  }): void {
    const match = STATE_MACHINE_ARN.exec(input.stateMachineArn);
    if (!match) throw new InvalidArn(`Invalid state machine ARN: '${input.stateMachineArn}'.`);
    const existing = this.machines.get(input.stateMachineArn);
    if (existing) {
      if (existing.definition === input.definition) return;
      throw new StateMachineAlreadyExists(`State machine already exists: '${input.stateMachineArn}'.`);
    }
    const [, region = this.defaultScope.region, accountId = this.defaultScope.accountId] = match;
    const normalized = normalizeDefinition(input.definition);
    this.machines.set(input.stateMachineArn, {
      arn: input.stateMachineArn,
      name: input.name,
      type: input.type ?? 'STANDARD',
      roleArn: input.roleArn ?? `arn:aws:iam::${accountId}:role/${input.name}Role`,
      definition: input.definition,
      normalized,
      engine: new StateMachine(normalized.engineDefinition, { validationOptions: { noValidate: true } }),
      scope: { region, accountId },
      creationDate: this.clock.date(),
      tracingEnabled: input.tracingEnabled === true,
    });
  }

  startExecution(input: { stateMachineArn: string; input?: string; name?: string; traceHeader?: string }): {
    executionArn: string;
    startDate: Date;
  } {
    const machine = this.requireMachine(input.stateMachineArn);
    const name = input.name ?? randomUUID();
    if (!isExecutionName(name)) throw new InvalidName(`Invalid execution name: '${name}'.`);
    const text = input.input ?? '{}';
    checkApiPayload('input', text);
    const inputValue = tryParseJson(text);
    if (inputValue === undefined) throw new InvalidExecutionInput('The execution input is not valid JSON.');
    const { region, accountId } = machine.scope;
    const executionType = machine.type === 'EXPRESS' ? 'express' : 'execution';
    const executionArn = `arn:aws:states:${region}:${accountId}:${executionType}:${machine.name}:${name}`;

    const existing = this.executions.get(executionArn);
    if (existing) {
      // A Standard execution started twice with the same name and input is the same execution (idempotent).
      if (existing.status === 'RUNNING' && existing.input === text) {
        return { executionArn, startDate: existing.startDate };
      }
      throw new ExecutionAlreadyExists(`Execution already exists: '${executionArn}'.`);
    }

    const execution: ExecutionRecord = {
      arn: executionArn,
      name,
      machine,
      input: text,
      inputValue,
      startDate: this.clock.date(),
      history: new ExecutionHistory(machine.normalized.states),
      status: 'RUNNING',
      inFlight: 0,
      blocked: 0,
      finished: false,
      cancelWaits: new Set(),
      retrying: new Map(),
      done: Promise.resolve(),
    };
    if (machine.tracingEnabled) {
      execution.trace = this.tracing?.startExecution({
        stateMachineName: machine.name,
        executionArn,
        ...(input.traceHeader === undefined ? {} : { traceHeader: input.traceHeader }),
      });
    }
    this.executions.set(executionArn, execution);
    const limit = machine.normalized.timeoutSeconds;
    if (limit !== undefined) {
      execution.timeout = this.clock.setTimer(execution.startDate.getTime() + limit * 1000, () =>
        this.stop(execution, 'TIMED_OUT', 'States.Timeout', `The execution ran longer than ${limit} s.`),
      );
    }
    execution.done = this.run(execution);
    this.touch();
    return { executionArn, startDate: execution.startDate };
  }

  /** Stops a running execution (StopExecution): ABORTED, pending tasks cancelled. */
  stopExecution(executionArn: string, error?: string, cause?: string): { stopDate: Date } {
    const execution = this.requireExecution(executionArn);
    this.stop(execution, 'ABORTED', error, cause);
    return { stopDate: execution.stopDate ?? this.clock.date() };
  }

  /** Completes the token's task with `output`; an output over 256 KiB is refused and the task keeps waiting. */
  sendTaskSuccess(taskToken: string, output: string): void {
    requireToken(taskToken);
    if (typeof output === 'string') checkApiPayload('output', output);
    const value = typeof output === 'string' ? tryParseJson(output) : undefined;
    if (value === undefined) throw new InvalidOutput('The output is not valid JSON.');
    this.tokens.succeed(taskToken, value);
  }

  /** Fails the token's task; `error` becomes the error name `Retry` and `Catch` match. */
  sendTaskFailure(taskToken: string, error?: string, cause?: string): void {
    requireToken(taskToken);
    if (error !== undefined && error.length > 256) throw new ValidationException('error is longer than 256.');
    if (cause !== undefined && cause.length > 32_768)
      throw new ValidationException('cause is longer than 32768.');
    this.tokens.fail(taskToken, error ?? '', cause ?? '');
  }

  /** Re-arms the task's HeartbeatSeconds deadline. */
  sendTaskHeartbeat(taskToken: string): void {
    requireToken(taskToken);
    this.tokens.heartbeat(taskToken);
  }

  describeExecution(executionArn: string): ExecutionDescription {
    const execution = this.requireExecution(executionArn);
    return {
      executionArn: execution.arn,
      stateMachineArn: execution.machine.arn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      ...(execution.stopDate === undefined ? {} : { stopDate: execution.stopDate }),
      input: execution.input,
      inputDetails: { included: true },
      ...(execution.output === undefined
        ? {}
        : { output: execution.output, outputDetails: { included: true } }),
      ...(execution.error === undefined ? {} : { error: execution.error }),
      ...(execution.cause === undefined ? {} : { cause: execution.cause }),
      redriveCount: 0,
    };
  }

  /** The state machine's executions, newest first (as AWS lists them). */
  listExecutions(
    stateMachineArn: string,
    statusFilter?: ExecutionStatus,
  ): { executions: ExecutionListItem[] } {
    this.requireMachine(stateMachineArn);
    const executions = [...this.executions.values()]
      .filter(
        (e) => e.machine.arn === stateMachineArn && (statusFilter === undefined || e.status === statusFilter),
      )
      .reverse()
      .map((e) => ({
        executionArn: e.arn,
        stateMachineArn: e.machine.arn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        ...(e.stopDate === undefined ? {} : { stopDate: e.stopDate }),
      }));
    return { executions };
  }

  getExecutionHistory(executionArn: string): { events: HistoryEvent[] } {
    return { events: this.requireExecution(executionArn).history.list() };
  }

  describeStateMachine(stateMachineArn: string): StateMachineDescription {
    const machine = this.requireMachine(stateMachineArn);
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definition,
      roleArn: machine.roleArn,
      type: machine.type,
      creationDate: machine.creationDate,
    };
  }

  listStateMachines(): {
    stateMachines: { stateMachineArn: string; name: string; type: StateMachineType; creationDate: Date }[];
  } {
    return {
      stateMachines: [...this.machines.values()].map((m) => ({
        stateMachineArn: m.arn,
        name: m.name,
        type: m.type,
        creationDate: m.creationDate,
      })),
    };
  }

  /** Tasks waiting on a callback, with the virtual time at which each times out. */
  pendingTaskTokens(): PendingTaskToken[] {
    return this.tokens.list();
  }

  runningExecutions(): number {
    return [...this.executions.values()].filter((e) => e.status === 'RUNNING').length;
  }

  /**
   * Resolves when every execution has finished or waits on a task token or the virtual clock, with no service call
   * in flight and every history complete. Advance the clock one timer at a time (`clock.nextTimerAt()`), awaiting
   * this in between, and each execution observes its own deadlines in order.
   */
  async whenSettled(): Promise<void> {
    for (;;) {
      const before = this.version;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.isSettled()) {
        if (before === this.version) return;
        continue;
      }
      await this.nextChange();
    }
  }

  /**
   * The Step Functions JSON 1.0 API for the sandbox's HTTP endpoint: `target` is the X-Amz-Target
   * (`AWSStepFunctions.SendTaskSuccess`), `body` the parsed request. Errors carry the AWS error code as `name`.
   */
  handleApiRequest(target: string, body: unknown): Promise<unknown> {
    return new Promise((resolve) => resolve(handleStepFunctionsApiRequest(this, target, body)));
  }

  /** Stops every running execution and waits for their runs to end (for shutdown and tests). */
  async close(): Promise<void> {
    for (const execution of this.executions.values()) {
      this.stop(execution, 'ABORTED', 'Sandbox.Shutdown', 'The sandbox is shutting down.');
    }
    await Promise.all([...this.executions.values()].map((e) => e.done));
  }

  private async run(execution: ExecutionRecord): Promise<void> {
    let outcome: Outcome;
    try {
      this.timeoutError ??= await timeoutErrorFactory();
      if (execution.stop) {
        execution.history.record(
          { type: 'ExecutionStarted', timestamp: 0, input: execution.inputValue },
          this.clock.now(),
        );
        outcome = { kind: 'stopped' };
      } else {
        outcome = await this.runEngine(execution);
      }
    } catch (error) {
      outcome = {
        kind: 'failed',
        error: 'States.Runtime',
        cause: error instanceof Error ? error.message : String(error),
      };
    }
    this.finish(execution, outcome);
  }

  private async runEngine(execution: ExecutionRecord): Promise<Outcome> {
    const { machine } = execution;
    const run = machine.engine.run(execution.inputValue, {
      context: this.contextFor(execution),
      noThrowOnAbort: true,
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(
          [...machine.normalized.tasks.values()].map((spec) => [
            spec.stateName,
            (input: Json) => this.retriedTask(execution, spec, input),
          ]),
        ),
        // Retries pause on no wall clock: a replay must not sleep through IntervalSeconds × BackoffRate. The wait
        // happens on the virtual clock instead, before the next attempt (retriedTask).
        retryIntervalOverrides: Object.fromEntries(
          machine.normalized.retryingStates.map((name) => [name, 0]),
        ),
      },
    });
    execution.abort = run.abort;
    const drained = (async () => {
      for await (const event of run.eventLogs) execution.history.record(event, this.clock.now());
    })();
    let outcome: Outcome;
    try {
      const output = await run.result;
      outcome = execution.stop ? { kind: 'stopped' } : { kind: 'succeeded', output };
    } catch (error) {
      outcome = execution.stop
        ? { kind: 'stopped' }
        : { kind: 'failed', ...this.failureOf(execution, error) };
    }
    await drained;
    return outcome;
  }

  /**
   * The context object. aws-local-stepfunctions only provides Execution.Input/StartTime; the rest is passed in.
   * `Task.Token` and `State.EnteredTime` are getters: the interpreter evaluates Parameters and calls the task
   * handler in one synchronous step, so the handler finds the token minted for its own Parameters.
   */
  private contextFor(execution: ExecutionRecord): Record<string, JsonObject> {
    const { tokens, clock } = this;
    return {
      Execution: {
        Id: execution.arn,
        Name: execution.name,
        RoleArn: execution.machine.roleArn,
        RedriveCount: 0,
        [VIRTUAL_START_TIME_FIELD]: execution.startDate.toISOString(),
      },
      StateMachine: { Id: execution.machine.arn, Name: execution.machine.name },
      Task: {
        get Token() {
          return (execution.mintedToken ??= tokens.mint());
        },
      },
      State: {
        get EnteredTime() {
          return clock.iso();
        },
      },
    };
  }

  /**
   * A Task state's attempt, after the wait its Retry asks for on the virtual clock when it is a retry: the engine
   * retries at once (its intervals are overridden to 0), and the failure before decided how long (retry-wait.ts).
   * Keyed by state name: the saga's Map runs one iteration at a time.
   */
  private async retriedTask(execution: ExecutionRecord, spec: TaskSpec, input: Json): Promise<Json> {
    const retrying = execution.retrying.get(spec.stateName);
    if (retrying?.waitMs !== undefined) {
      const at = this.clock.now() + retrying.waitMs;
      retrying.waitMs = undefined;
      if (!(await this.sleepUntil(execution, at))) throw stoppedError();
    }
    try {
      const output = await this.tracedTask(execution, spec, input);
      execution.retrying.delete(spec.stateName);
      return output;
    } catch (error) {
      const state = retrying ?? { attempts: [] };
      const waitMs = spec.retry === undefined ? undefined : retryWaitMs(spec.retry, state.attempts, error);
      if (waitMs === undefined) {
        execution.retrying.delete(spec.stateName);
      } else {
        state.waitMs = waitMs;
        execution.retrying.set(spec.stateName, state);
      }
      throw error;
    }
  }

  /** A Task state inside its X-Ray subsegment when the execution is traced. */
  private async tracedTask(execution: ExecutionRecord, spec: TaskSpec, input: Json): Promise<Json> {
    const span =
      spec.integration.kind === 'wait' ? undefined : execution.trace?.task(spec.stateName, spec.resource);
    if (!span) return this.runTask(execution, spec, input);
    try {
      const output = await this.runTask(execution, spec, input, span.traceHeader);
      span.end();
      return output;
    } catch (error) {
      span.end(error);
      throw error;
    }
  }

  private async runTask(
    execution: ExecutionRecord,
    spec: TaskSpec,
    input: Json,
    traceHeader?: string,
  ): Promise<Json> {
    const minted = execution.mintedToken;
    execution.mintedToken = undefined;
    if (execution.stop) throw stoppedError();
    if (spec.integration.kind === 'wait') return this.runWait(execution, input);

    const request = unwrapTaskInput(spec, input);
    // The state's input after Parameters, before anything is scheduled.
    checkPayload(spec.stateName, 'input', request.payload);
    const attempt = execution.history.beginAttempt(
      spec.stateName,
      new TaskAttempt(spec.resourceType, spec.resourceName, spec.integration.kind === 'lambda:function'),
    );
    const now = this.clock.now();
    attempt.scheduled(now, {
      region: execution.machine.scope.region,
      parameters: JSON.stringify(request.payload),
      ...(request.timeoutSeconds === undefined ? {} : { timeoutInSeconds: request.timeoutSeconds }),
      ...(request.heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: request.heartbeatSeconds }),
    });
    attempt.started(now);

    if (spec.waitForTaskToken) {
      return this.runCallbackTask(
        execution,
        spec,
        attempt,
        request,
        minted ?? this.tokens.mint(),
        traceHeader,
      );
    }
    try {
      const work = this.track(execution, this.callService(execution, spec, request.payload, traceHeader));
      // A static TimeoutSeconds is the interpreter's (wall clock: a request-response task measures real work);
      // a TimeoutSecondsPath one is enforced here, since the interpreter would read it from the Parameters output.
      const result = await (request.timeoutFromPath && request.timeoutSeconds !== undefined
        ? this.withWallClockTimeout(work, request.timeoutSeconds)
        : work);
      // The connector's output, before ResultSelector and ResultPath (a result ResultPath discards still counts).
      checkPayload(
        spec.integration.kind === 'lambda:function' ? spec.resource : spec.stateName,
        'result',
        result,
      );
      attempt.succeeded(this.clock.now(), JSON.stringify(result));
      if (execution.stop) throw stoppedError();
      return result;
    } catch (error) {
      throw this.recordFailure(attempt, error);
    }
  }

  private async runCallbackTask(
    execution: ExecutionRecord,
    spec: TaskSpec,
    attempt: TaskAttempt,
    request: TaskRequest,
    token: string,
    traceHeader?: string,
  ): Promise<Json> {
    // Registered before the dispatch: the answer may arrive before putEvents (or the function) returns.
    const answer = this.tokens.register({
      token,
      executionArn: execution.arn,
      stateName: spec.stateName,
      timeoutSeconds: request.timeoutSeconds ?? AWS_DEFAULT_TASK_TIMEOUT_SECONDS,
      ...(request.heartbeatSeconds === undefined ? {} : { heartbeatSeconds: request.heartbeatSeconds }),
    });
    let submitted: Json;
    try {
      submitted = await this.track(
        execution,
        this.callService(execution, spec, request.payload, traceHeader),
      );
    } catch (error) {
      this.tokens.cancel(token);
      const failure = toStateError(error);
      attempt.submitFailed(this.clock.now(), failure.name, failure.message);
      throw failure;
    }
    attempt.submitted(this.clock.now(), JSON.stringify(submitted));

    execution.blocked++;
    this.touch();
    const outcome = await answer;
    execution.blocked--;
    this.touch();
    const at = this.clock.now();
    switch (outcome.status) {
      case 'succeeded':
        attempt.succeeded(at, JSON.stringify(outcome.output));
        return outcome.output;
      case 'failed':
        attempt.failed(at, outcome.error, outcome.cause);
        throw new StateError(outcome.error, outcome.cause);
      case 'timedOut':
        attempt.timedOut(at, outcome.error, outcome.cause);
        throw this.makeTimeoutError(outcome.error, outcome.cause);
      case 'cancelled':
        throw stoppedError();
    }
  }

  /** A Wait state, run as a task so that it waits on the virtual clock. */
  private async runWait(execution: ExecutionRecord, input: Json): Promise<Json> {
    const fields = isJsonObject(input) ? input : {};
    const payload = fields[INJECTED.input] ?? null;
    const seconds = fields[INJECTED.waitSeconds];
    const until = fields[INJECTED.waitUntil];
    let at: number;
    if (seconds !== undefined) {
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
        throw runtimeError(
          `The Wait state's seconds evaluated to ${JSON.stringify(seconds)}, not an integer >= 0.`,
        );
      }
      at = this.clock.now() + seconds * 1000;
    } else {
      at = typeof until === 'string' ? Date.parse(until) : Number.NaN;
      if (Number.isNaN(at))
        throw runtimeError(`The Wait state's timestamp ${JSON.stringify(until)} is not RFC 3339.`);
    }
    if (!(await this.sleepUntil(execution, at))) throw stoppedError();
    return payload;
  }

  /** Waits on the virtual clock until `at` (blocked meanwhile): false when the execution is stopped first. */
  private async sleepUntil(execution: ExecutionRecord, at: number): Promise<boolean> {
    if (at <= this.clock.now()) return true;
    execution.blocked++;
    this.touch();
    const elapsed = await new Promise<boolean>((resolve) => {
      const cancel = (): void => {
        timer.cancel();
        resolve(false);
      };
      const timer = this.clock.setTimer(at, () => {
        execution.cancelWaits.delete(cancel);
        resolve(true);
      });
      execution.cancelWaits.add(cancel);
    });
    execution.blocked--;
    this.touch();
    return elapsed;
  }

  private async callService(
    execution: ExecutionRecord,
    spec: TaskSpec,
    payload: Json,
    traceHeader?: string,
  ): Promise<Json> {
    // The call is made with the state machine's role: a permission it lacks fails the task, as the service's
    // AccessDeniedException does on AWS.
    const access = this.host.authorize && taskAccessOf(spec, payload, execution.machine.scope);
    if (access && this.host.authorize) {
      for (const { action, resource, context = {} } of access.requests) {
        const decision = await this.host.authorize(execution.machine.roleArn, action, resource, context);
        if (!decision.allowed) {
          throw new StateError(
            access.errorName,
            `${decision.reason} (Service: ${access.service}; Status Code: 403; Error Code: AccessDeniedException; Request ID: ${randomUUID()}; Proxy: null)`,
          );
        }
      }
    }
    return this.dispatchService(execution, spec, payload, traceHeader);
  }

  private dispatchService(
    execution: ExecutionRecord,
    spec: TaskSpec,
    payload: Json,
    traceHeader?: string,
  ): Promise<Json> {
    const { integration } = spec;
    // A traced Task state's Lambda invocation and PutEvents entries carry its trace header.
    const host = traceHeader === undefined ? this.host : tracedHost(this.host, traceHeader);
    switch (integration.kind) {
      case 'lambda:invoke':
        return invokeLambdaIntegration(host, payload, execution.machine.scope, (work) => {
          void this.track(execution, work);
        });
      case 'lambda:function':
        return invokeFunction(host, spec.resource, payload);
      case 'events:putEvents':
        return putEventsIntegration(host, payload, [execution.arn, execution.machine.arn]);
      case 'dynamodb':
        return dynamoDbIntegration(this.host.dynamodb, integration.operation, payload);
      case 'states:startExecution':
        return Promise.resolve().then(() => this.startExecutionTask(payload, traceHeader));
      case 'cloudwatch:putMetricData':
        return Promise.resolve().then(() => putMetricDataIntegration(this.host, payload));
      case 'unsupported':
        return Promise.reject(runtimeError(integration.reason));
      case 'wait':
        return Promise.reject(runtimeError('A Wait state reached the service dispatcher.'));
    }
  }

  /**
   * `arn:aws:states:::states:startExecution` (request-response): starts the nested execution and moves on; its
   * result is the API's answer. `Input` may be JSON text or an object (sent as its JSON text); a refusal is the
   * task's error, named as AWS names it (`StepFunctions.ExecutionAlreadyExistsException`).
   */
  private startExecutionTask(parameters: Json, traceHeader?: string): JsonObject {
    const request = isJsonObject(parameters) ? parameters : {};
    const { StateMachineArn, Input, Name } = request;
    if (typeof StateMachineArn !== 'string') {
      throw new StateError('StepFunctions.ValidationException', 'StateMachineArn is required.');
    }
    if (Name !== undefined && typeof Name !== 'string') {
      throw new StateError('StepFunctions.ValidationException', 'Name must be a string.');
    }
    try {
      const started = this.startExecution({
        stateMachineArn: StateMachineArn,
        input: typeof Input === 'string' ? Input : JSON.stringify(Input ?? {}),
        ...(Name === undefined ? {} : { name: Name }),
        ...(traceHeader === undefined ? {} : { traceHeader }),
      });
      return { ExecutionArn: started.executionArn, StartDate: started.startDate.getTime() };
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      const code = error.name.endsWith('Exception') ? error.name : `${error.name}Exception`;
      throw new StateError(`StepFunctions.${code}`, error.message);
    }
  }

  private withWallClockTimeout<T>(work: Promise<T>, seconds: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            this.makeTimeoutError(
              'States.Timeout',
              `The task ran longer than its ${seconds} s TimeoutSeconds.`,
            ),
          ),
        Math.min(seconds, ENGINE_MAX_TIMEOUT_SECONDS) * 1000,
      );
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(toStateError(error));
        },
      );
    });
  }

  private recordFailure(attempt: TaskAttempt, error: unknown): Error {
    const failure = error instanceof Error ? error : toStateError(error);
    const at = this.clock.now();
    if (failure.name === 'States.Timeout' || failure.name === 'States.HeartbeatTimeout') {
      attempt.timedOut(at, failure.name, failure.message);
    } else {
      attempt.failed(at, failure.name, failure.message);
    }
    return failure;
  }

  private makeTimeoutError(error: 'States.Timeout' | 'States.HeartbeatTimeout', cause: string): Error {
    if (this.timeoutError) return this.timeoutError(error, cause);
    return new StateError(error, cause);
  }

  /** Counts a service call as in flight until it settles (a timeout may leave it running). */
  private track<T>(execution: ExecutionRecord, work: Promise<T>): Promise<T> {
    execution.inFlight++;
    this.touch();
    const settled = (): void => {
      execution.inFlight--;
      this.touch();
    };
    work.then(settled, settled);
    return work;
  }

  private failureOf(execution: ExecutionRecord, error: unknown): { error?: string; cause?: string } {
    const failure = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
    if (!(failure instanceof Error)) return { error: 'States.Runtime', cause: String(failure) };
    const last = execution.history.lastEnteredState;
    const failState = last === undefined ? undefined : execution.machine.normalized.states.get(last);
    if (failState?.Type === 'Fail') {
      // The interpreter fills in a default Error and Cause where the Fail state has none; AWS reports none.
      const hasError = failState.Error !== undefined || failState.ErrorPath !== undefined;
      const hasCause = failState.Cause !== undefined || failState.CausePath !== undefined;
      return {
        ...(hasError ? { error: failure.name } : {}),
        ...(hasCause ? { cause: failure.message } : {}),
      };
    }
    return { error: failure.name, cause: failure.message };
  }

  private stop(
    execution: ExecutionRecord,
    status: 'ABORTED' | 'TIMED_OUT',
    error?: string,
    cause?: string,
  ): void {
    if (execution.status !== 'RUNNING') return;
    execution.stop = {
      status,
      ...(error === undefined ? {} : { error }),
      ...(cause === undefined ? {} : { cause }),
    };
    execution.status = status;
    execution.stopDate = this.clock.date();
    if (error !== undefined) execution.error = error;
    if (cause !== undefined) execution.cause = cause;
    execution.timeout?.cancel();
    this.tokens.cancelExecution(execution.arn);
    for (const cancel of execution.cancelWaits) cancel();
    execution.cancelWaits.clear();
    execution.abort?.();
    this.touch();
  }

  private finish(execution: ExecutionRecord, outcome: Outcome): void {
    const at = this.clock.now();
    execution.timeout?.cancel();
    this.tokens.cancelExecution(execution.arn);
    if (outcome.kind === 'stopped' || execution.stop) {
      const { status = 'ABORTED', error, cause } = execution.stop ?? {};
      execution.history.finish(status === 'TIMED_OUT' ? 'ExecutionTimedOut' : 'ExecutionAborted', at, {
        ...(error === undefined ? {} : { error }),
        ...(cause === undefined ? {} : { cause }),
      });
    } else if (outcome.kind === 'succeeded') {
      execution.status = 'SUCCEEDED';
      execution.stopDate = new Date(at);
      execution.output = JSON.stringify(outcome.output);
      execution.history.finish('ExecutionSucceeded', at, { output: execution.output });
    } else {
      execution.status = 'FAILED';
      execution.stopDate = new Date(at);
      if (outcome.error !== undefined) execution.error = outcome.error;
      if (outcome.cause !== undefined) execution.cause = outcome.cause;
      execution.history.finish('ExecutionFailed', at, {
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
        ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
      });
    }
    execution.finished = true;
    execution.trace?.finish(execution.status, execution.error, execution.cause);
    this.touch();
  }

  private isSettled(): boolean {
    for (const execution of this.executions.values()) {
      if (execution.inFlight > 0) return false;
      if (!execution.finished && execution.blocked === 0) return false;
    }
    return true;
  }

  private touch(): void {
    this.version++;
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const wake of waiters) wake();
  }

  /** The next state change, or a short wall-clock pause should a change come from somewhere not tracked. */
  private nextChange(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 20);
      this.changeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private requireMachine(stateMachineArn: string): StateMachineRecord {
    const machine = this.machines.get(stateMachineArn);
    if (machine) return machine;
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new InvalidArn(`Invalid ARN: '${stateMachineArn}'.`);
    throw new StateMachineDoesNotExist(`State Machine Does Not Exist: '${stateMachineArn}'.`);
  }

  private requireExecution(executionArn: string): ExecutionRecord {
    const execution = this.executions.get(executionArn);
    if (execution) return execution;
    if (!executionArn.startsWith('arn:')) throw new InvalidArn(`Invalid ARN: '${executionArn}'.`);
    throw new ExecutionDoesNotExist(`Execution Does Not Exist: '${executionArn}'.`);
  }
}

interface TaskRequest {
  readonly payload: Json;
  readonly timeoutSeconds?: number;
  readonly timeoutFromPath: boolean;
  readonly heartbeatSeconds?: number;
}

/** Takes the injected timeout values (and the wrapped input) out of a task's effective Parameters. */
function unwrapTaskInput(spec: TaskSpec, input: Json): TaskRequest {
  if (!isJsonObject(input)) return { payload: input, ...staticTimeouts(spec), timeoutFromPath: false };
  const {
    [INJECTED.timeoutSeconds]: injectedTimeout,
    [INJECTED.heartbeatSeconds]: injectedHeartbeat,
    ...fields
  } = input;
  const payload = spec.wrapsInput ? (fields[INJECTED.input] ?? null) : fields;
  const timeoutSeconds =
    injectedTimeout === undefined
      ? spec.timeoutSeconds
      : positiveSeconds(injectedTimeout, 'TimeoutSecondsPath');
  const heartbeatSeconds =
    injectedHeartbeat === undefined
      ? spec.heartbeatSeconds
      : positiveSeconds(injectedHeartbeat, 'HeartbeatSecondsPath');
  return {
    payload,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    ...(heartbeatSeconds === undefined ? {} : { heartbeatSeconds }),
    timeoutFromPath: injectedTimeout !== undefined,
  };
}

function staticTimeouts(spec: TaskSpec): { timeoutSeconds?: number; heartbeatSeconds?: number } {
  return {
    ...(spec.timeoutSeconds === undefined ? {} : { timeoutSeconds: spec.timeoutSeconds }),
    ...(spec.heartbeatSeconds === undefined ? {} : { heartbeatSeconds: spec.heartbeatSeconds }),
  };
}

function positiveSeconds(value: Json, field: string): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > AWS_DEFAULT_TASK_TIMEOUT_SECONDS
  ) {
    throw runtimeError(`${field} evaluated to ${JSON.stringify(value)}, not an integer from 1 to 99999999.`);
  }
  return value;
}

function requireToken(taskToken: unknown): asserts taskToken is string {
  if (typeof taskToken !== 'string' || taskToken.length === 0 || taskToken.length > MAX_TOKEN_LENGTH) {
    throw new InvalidToken('Invalid token.');
  }
}

function toStateError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new StateError('States.TaskFailed', String(error));
}

/** What a stopped execution's tasks fail with: neither retried nor caught, so the run ends at once. */
function stoppedError(): StateError {
  return new StateError('Sandbox.ExecutionStopped', 'The execution was stopped.', {
    retryable: false,
    catchable: false,
  });
}
