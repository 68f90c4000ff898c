import { randomBytes } from 'node:crypto';
import type { ClockTimer, VirtualClock } from '../clock';
import { TaskDoesNotExist, TaskTimedOut } from './errors';
import type { Json } from './json';

/** How a callback task ended. A wait never rejects: the task handler turns the outcome into its result or error. */
export type TaskTokenOutcome =
  | { readonly status: 'succeeded'; readonly output: Json }
  | { readonly status: 'failed'; readonly error: string; readonly cause: string }
  | {
      readonly status: 'timedOut';
      readonly error: 'States.Timeout' | 'States.HeartbeatTimeout';
      readonly cause: string;
    }
  | { readonly status: 'cancelled' };

export interface PendingTaskToken {
  readonly token: string;
  readonly executionArn: string;
  readonly stateName: string;
  /** Virtual time (ms since epoch) at which the task times out unless answered (or heart-beaten). */
  readonly deadline?: number;
}

export interface TaskTokenRegistration {
  readonly token: string;
  readonly executionArn: string;
  readonly stateName: string;
  readonly timeoutSeconds: number;
  readonly heartbeatSeconds?: number;
}

interface PendingTask {
  readonly registration: TaskTokenRegistration;
  readonly settle: (outcome: TaskTokenOutcome) => void;
  readonly timeout: ClockTimer;
  heartbeat?: ClockTimer;
}

/**
 * Callback tasks waiting on a task token, with their TimeoutSeconds and HeartbeatSeconds deadlines on the virtual
 * clock. Answers SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat with AWS's errors.
 */
export class TaskTokenRegistry {
  private readonly pending = new Map<string, PendingTask>();
  /** Tokens whose task ended, so a late callback gets TaskTimedOut rather than TaskDoesNotExist. */
  private readonly closed = new Map<string, 'completed' | 'timedOut'>();

  constructor(private readonly clock: VirtualClock) {}

  /** An opaque token, like AWS's (base64, a few hundred characters on AWS; shorter here). */
  mint(): string {
    return `AQ${randomBytes(48).toString('base64url')}`;
  }

  /** Starts waiting; the timers start now, as AWS counts from the task's start. */
  register(registration: TaskTokenRegistration): Promise<TaskTokenOutcome> {
    return new Promise<TaskTokenOutcome>((resolve) => {
      const { token, timeoutSeconds } = registration;
      const timeout = this.clock.setTimer(this.clock.now() + timeoutSeconds * 1000, () =>
        this.close(token, 'timedOut', {
          status: 'timedOut',
          error: 'States.Timeout',
          cause: `The task did not call back within its ${timeoutSeconds} s TimeoutSeconds.`,
        }),
      );
      const task: PendingTask = { registration, settle: resolve, timeout };
      this.pending.set(token, task);
      this.armHeartbeat(task);
    });
  }

  succeed(token: string, output: Json): void {
    this.close(this.require(token), 'completed', { status: 'succeeded', output });
  }

  fail(token: string, error: string, cause: string): void {
    this.close(this.require(token), 'completed', { status: 'failed', error, cause });
  }

  heartbeat(token: string): void {
    const task = this.pending.get(this.require(token));
    if (task) this.armHeartbeat(task);
  }

  /** Ends a wait without an answer (the dispatch failed, or the execution stopped). */
  cancel(token: string): void {
    if (this.pending.has(token)) this.close(token, 'completed', { status: 'cancelled' });
  }

  cancelExecution(executionArn: string): void {
    for (const [token, task] of this.pending) {
      if (task.registration.executionArn === executionArn) this.cancel(token);
    }
  }

  list(): PendingTaskToken[] {
    return [...this.pending.values()].map(({ registration, timeout, heartbeat }) => ({
      token: registration.token,
      executionArn: registration.executionArn,
      stateName: registration.stateName,
      deadline: Math.min(timeout.at, heartbeat?.at ?? Number.POSITIVE_INFINITY),
    }));
  }

  /**
   * The token of a task waiting on it. A task already closed — answered, timed out, or its execution stopped — is
   * TaskTimedOut, as AWS documents it ("the task token has either expired or the task associated with the token has
   * already been closed", SendTaskSuccess); a token this registry never minted is TaskDoesNotExist.
   */
  private require(token: string): string {
    if (this.pending.has(token)) return token;
    const closed = this.closed.get(token);
    if (closed === 'timedOut') {
      throw new TaskTimedOut('The task for this token timed out before the callback arrived.');
    }
    if (closed === 'completed') {
      throw new TaskTimedOut(
        'The task for this token has already been closed: answered, or its execution ended.',
      );
    }
    throw new TaskDoesNotExist('No task is waiting on this token: it is unknown.');
  }

  private armHeartbeat(task: PendingTask): void {
    const seconds = task.registration.heartbeatSeconds;
    if (seconds === undefined) return;
    task.heartbeat?.cancel();
    task.heartbeat = this.clock.setTimer(this.clock.now() + seconds * 1000, () =>
      this.close(task.registration.token, 'timedOut', {
        status: 'timedOut',
        error: 'States.HeartbeatTimeout',
        cause: `No heartbeat arrived within the task's ${seconds} s HeartbeatSeconds.`,
      }),
    );
  }

  private close(token: string, how: 'completed' | 'timedOut', outcome: TaskTokenOutcome): void {
    const task = this.pending.get(token);
    if (!task) return;
    this.pending.delete(token);
    this.closed.set(token, how);
    task.timeout.cancel();
    task.heartbeat?.cancel();
    task.settle(outcome);
  }
}
