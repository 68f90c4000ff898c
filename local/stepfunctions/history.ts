import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { JsonObject } from './json';

/** An event of aws-local-stepfunctions' execution event log. */
export type EngineEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

type EventDetails = Omit<HistoryEvent, 'id' | 'previousEventId' | 'timestamp' | 'type'>;

interface PendingEvent {
  readonly type: HistoryEventType;
  readonly at: number;
  readonly details: EventDetails;
}

type AttemptOutcome = 'succeeded' | 'failed' | 'timedOut';

const NOT_TRUNCATED = { truncated: false } as const;

/**
 * The task-level events of one attempt of a Task state (TaskScheduled … TaskSucceeded), recorded by the task
 * handler when they happen; the history takes them when the interpreter's log reports the attempt's start and end.
 */
export class TaskAttempt {
  private readonly events: PendingEvent[] = [];
  private outcome?: AttemptOutcome;
  /** How many events the history has taken. */
  private taken = 0;
  /** Ended in the history: later reports (a handler finishing after the interpreter timed it out) are dropped. */
  private sealed = false;

  constructor(
    private readonly resourceType: string,
    private readonly resource: string,
    /** A Lambda function ARN as Resource: AWS records LambdaFunction* events instead of Task* events. */
    private readonly lambdaFunction: boolean,
  ) {}

  scheduled(
    at: number,
    detail: { region: string; parameters: string; timeoutInSeconds?: number; heartbeatInSeconds?: number },
  ): void {
    if (this.lambdaFunction) {
      this.push('LambdaFunctionScheduled', at, {
        lambdaFunctionScheduledEventDetails: {
          resource: this.resource,
          input: detail.parameters,
          inputDetails: NOT_TRUNCATED,
          ...(detail.timeoutInSeconds === undefined ? {} : { timeoutInSeconds: detail.timeoutInSeconds }),
        },
      });
      return;
    }
    this.push('TaskScheduled', at, {
      taskScheduledEventDetails: { resourceType: this.resourceType, resource: this.resource, ...detail },
    });
  }

  started(at: number): void {
    if (this.lambdaFunction) this.push('LambdaFunctionStarted', at, {});
    else this.push('TaskStarted', at, { taskStartedEventDetails: this.names() });
  }

  submitted(at: number, output: string): void {
    this.push('TaskSubmitted', at, {
      taskSubmittedEventDetails: { ...this.names(), output, outputDetails: NOT_TRUNCATED },
    });
  }

  submitFailed(at: number, error: string, cause: string): void {
    this.end('failed', {
      type: 'TaskSubmitFailed',
      at,
      details: { taskSubmitFailedEventDetails: { ...this.names(), error, cause } },
    });
  }

  succeeded(at: number, output: string): void {
    if (this.lambdaFunction) {
      this.end('succeeded', {
        type: 'LambdaFunctionSucceeded',
        at,
        details: { lambdaFunctionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED } },
      });
      return;
    }
    this.end('succeeded', {
      type: 'TaskSucceeded',
      at,
      details: { taskSucceededEventDetails: { ...this.names(), output, outputDetails: NOT_TRUNCATED } },
    });
  }

  failed(at: number, error: string, cause: string): void {
    this.end('failed', this.failureEvent('failed', at, error, cause));
  }

  timedOut(at: number, error: string, cause: string): void {
    this.end('timedOut', this.failureEvent('timedOut', at, error, cause));
  }

  /** The events so far, short of the ending (which waits for the interpreter's verdict). */
  takeBeginning(): readonly PendingEvent[] {
    const upTo = this.outcome === undefined ? this.events.length : this.events.length - 1;
    const taken = this.events.slice(this.taken, upTo);
    this.taken = Math.max(this.taken, upTo);
    return taken;
  }

  /**
   * Seals the attempt and answers its remaining events. `failure` is the interpreter's verdict when the state
   * failed; it replaces the handler's own ending when the interpreter's wall-clock timeout won the race.
   */
  takeEnding(at: number, failure?: { error: string; cause: string }): readonly PendingEvent[] {
    if (this.sealed) return [];
    this.sealed = true;
    const rest = this.events.slice(this.taken);
    const interpreterTimeout = failure?.error === 'States.Timeout';
    const ownEndStands =
      failure === undefined ||
      this.outcome === 'failed' ||
      this.outcome === 'timedOut' ||
      (this.outcome === 'succeeded' && !interpreterTimeout);
    if (ownEndStands) return rest;
    const body = this.outcome === undefined ? rest : rest.slice(0, -1);
    const kind = interpreterTimeout ? 'timedOut' : 'failed';
    return [...body, this.failureEvent(kind, at, failure.error, failure.cause)];
  }

  private failureEvent(kind: 'failed' | 'timedOut', at: number, error: string, cause: string): PendingEvent {
    const detail = { error, cause };
    if (this.lambdaFunction) {
      return kind === 'failed'
        ? { type: 'LambdaFunctionFailed', at, details: { lambdaFunctionFailedEventDetails: detail } }
        : { type: 'LambdaFunctionTimedOut', at, details: { lambdaFunctionTimedOutEventDetails: detail } };
    }
    const task = { ...this.names(), ...detail };
    return kind === 'failed'
      ? { type: 'TaskFailed', at, details: { taskFailedEventDetails: task } }
      : { type: 'TaskTimedOut', at, details: { taskTimedOutEventDetails: task } };
  }

  private names(): { resourceType: string; resource: string } {
    return { resourceType: this.resourceType, resource: this.resource };
  }

  private end(outcome: AttemptOutcome, event: PendingEvent): void {
    if (this.outcome !== undefined || this.sealed) return;
    this.outcome = outcome;
    this.events.push(event);
  }

  private push(type: HistoryEventType, at: number, details: EventDetails): void {
    if (!this.sealed) this.events.push({ type, at, details });
  }
}

/**
 * An execution's history in the shape of GetExecutionHistory, derived from aws-local-stepfunctions' event log
 * (states entered/exited/failed/caught) and the task handlers' own records (scheduled/submitted/succeeded…).
 *
 * The interpreter dispatches StateEntered (or StateRetried) and calls the task handler in one synchronous step, but
 * its log is read asynchronously: by the time the history reads the k-th entry of a Task state, the k-th attempt
 * of that state is recorded. Attempts therefore wait in a queue per state name until their entry is read, then
 * per state name and Map iteration until their end (StateExited or StateFailed) is read.
 */
export class ExecutionHistory {
  private readonly events: HistoryEvent[] = [];
  /** Attempts whose entry the log has not reported yet, per state name. */
  private readonly recorded = new Map<string, TaskAttempt[]>();
  /** Attempts whose entry was placed, per state name and Map iteration. */
  private readonly open = new Map<string, TaskAttempt[]>();
  private readonly caught = new Map<string, number>();
  private lastAt = 0;
  /** The last state the interpreter entered (to recover a Fail state's own Error and Cause). */
  lastEnteredState?: string;

  constructor(private readonly states: ReadonlyMap<string, JsonObject>) {}

  /** A new attempt of a Task state; the handler records its events on it. */
  beginAttempt(stateName: string, attempt: TaskAttempt): TaskAttempt {
    queueOf(this.recorded, stateName).push(attempt);
    return attempt;
  }

  record(event: EngineEvent, at: number): void {
    switch (event.type) {
      case 'ExecutionStarted':
        this.add('ExecutionStarted', at, {
          executionStartedEventDetails: { input: JSON.stringify(event.input), inputDetails: NOT_TRUNCATED },
        });
        return;
      case 'StateEntered': {
        const { name, input } = event.state;
        const type = this.typeOf(name);
        this.lastEnteredState = name;
        this.add(`${type}StateEntered` as HistoryEventType, at, {
          stateEnteredEventDetails: { name, input: JSON.stringify(input), inputDetails: NOT_TRUNCATED },
        });
        if (type === 'Parallel' || type === 'Map') this.add(`${type}StateStarted`, at, {});
        if (type === 'Task') this.placeBeginning(name, event.index);
        return;
      }
      case 'StateRetried':
        // AWS shows no retry event: the next attempt's TaskScheduled follows the failure.
        if (this.typeOf(event.state.name) === 'Task') this.placeBeginning(event.state.name, event.index);
        return;
      case 'StateExited': {
        const { name, output } = event.state;
        const type = this.typeOf(name);
        const caught = this.caught.get(name) ?? 0;
        if (caught > 0) {
          this.caught.set(name, caught - 1);
        } else if (type === 'Task') {
          this.placeEnding(name, event.index, at);
        } else if (type === 'Parallel' || type === 'Map') {
          this.add(`${type}StateSucceeded`, at, {});
        }
        this.add(`${type}StateExited` as HistoryEventType, at, {
          stateExitedEventDetails: {
            name,
            output: JSON.stringify(output ?? null),
            outputDetails: NOT_TRUNCATED,
          },
        });
        return;
      }
      case 'StateFailed': {
        const { name } = event.state;
        const type = this.typeOf(name);
        if (type === 'Task') {
          this.placeEnding(name, event.index, at, { error: event.Error, cause: causeText(event.Cause) });
        } else if (type === 'Parallel' || type === 'Map') {
          this.add(`${type}StateFailed`, at, {});
        }
        return;
      }
      case 'StateCaught':
        this.caught.set(event.state.name, (this.caught.get(event.state.name) ?? 0) + 1);
        return;
      case 'MapIterationStarted':
        this.add(event.type, at, {
          mapIterationStartedEventDetails: { name: event.parentState.name, index: event.index },
        });
        return;
      case 'MapIterationSucceeded':
        this.add(event.type, at, {
          mapIterationSucceededEventDetails: { name: event.parentState.name, index: event.index },
        });
        return;
      case 'MapIterationFailed':
        this.add(event.type, at, {
          mapIterationFailedEventDetails: { name: event.parentState.name, index: event.index },
        });
        return;
      default:
        // Parallel branches have no AWS event; the execution's own end is recorded by finish(), which knows why.
        return;
    }
  }

  /**
   * Ends the history. Attempts still open (a task waiting when the execution was stopped or timed out) are placed
   * first, without an ending, as AWS shows them.
   */
  finish(
    type: 'ExecutionSucceeded' | 'ExecutionFailed' | 'ExecutionAborted' | 'ExecutionTimedOut',
    at: number,
    detail: { output?: string; error?: string; cause?: string },
  ): void {
    for (const queue of this.open.values()) {
      for (const attempt of queue.splice(0)) this.place(attempt.takeEnding(at));
    }
    const { output, error, cause } = detail;
    const failure = { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
    switch (type) {
      case 'ExecutionSucceeded':
        this.add(type, at, { executionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED } });
        return;
      case 'ExecutionFailed':
        this.add(type, at, { executionFailedEventDetails: failure });
        return;
      case 'ExecutionAborted':
        this.add(type, at, { executionAbortedEventDetails: failure });
        return;
      case 'ExecutionTimedOut':
        this.add(type, at, { executionTimedOutEventDetails: failure });
        return;
    }
  }

  list(): HistoryEvent[] {
    return [...this.events];
  }

  private typeOf(stateName: string): string {
    const type = this.states.get(stateName)?.Type;
    return typeof type === 'string' ? type : 'Task';
  }

  private placeBeginning(stateName: string, mapIndex: number | undefined): void {
    const attempt = this.recorded.get(stateName)?.shift();
    // None: the state failed before its handler ran (Parameters evaluation); AWS records no task events either.
    if (!attempt) return;
    this.place(attempt.takeBeginning());
    queueOf(this.open, openKey(stateName, mapIndex)).push(attempt);
  }

  private placeEnding(
    stateName: string,
    mapIndex: number | undefined,
    at: number,
    failure?: { error: string; cause: string },
  ): void {
    const attempt = this.open.get(openKey(stateName, mapIndex))?.shift();
    if (attempt) this.place(attempt.takeEnding(at, failure));
  }

  private place(events: readonly PendingEvent[]): void {
    for (const event of events) this.add(event.type, event.at, event.details);
  }

  private add(type: HistoryEventType, at: number, details: EventDetails): void {
    this.lastAt = Math.max(this.lastAt, at);
    const id = this.events.length + 1;
    this.events.push({ timestamp: new Date(this.lastAt), type, id, previousEventId: id - 1, ...details });
  }
}

function queueOf<K>(map: Map<K, TaskAttempt[]>, key: K): TaskAttempt[] {
  let queue = map.get(key);
  if (!queue) {
    queue = [];
    map.set(key, queue);
  }
  return queue;
}

function openKey(stateName: string, mapIndex: number | undefined): string {
  return mapIndex === undefined ? stateName : `${stateName}#${mapIndex}`;
}

function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause ?? null);
}
