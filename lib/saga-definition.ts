import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MAX_APPROVAL_WAIT_SECONDS } from '../lambdas/domain/governance/governance-config';
import { longestTaskSeconds, MAX_PLAN_TASKS } from '../lambdas/domain/planning/task-catalog';
import { retryPolicy, type Retrier, type SagaTaskKind } from './saga-retry-policies';

/** The remediation saga's ASL (JSONPath): its states, paths and Catch blocks; no Retry (see below). */
const REMEDIATION_SAGA_ASL = path.join(__dirname, '..', 'statemachines', 'remediation-saga.asl.json');

/**
 * The saga's Tasks whose resource does not tell their kind: the three that wait for a task token. Every other
 * Task is a `lambda:invoke`, a plain `events:putEvents` or a `states:startExecution` (see {@link kindOfResource}).
 */
const REMEDIATION_TASK_KINDS: Readonly<Record<string, SagaTaskKind>> = {
  RequestApproval: 'approval',
  RunTask: 'command',
  RunCompensation: 'compensation',
};

/** The kinds a resource alone determines; a Task on any other resource must be named in the kinds table. */
const kindOfResource: Readonly<Record<string, SagaTaskKind>> = {
  'arn:aws:states:::lambda:invoke': 'invoke',
  'arn:aws:states:::events:putEvents': 'publish',
  'arn:aws:states:::states:startExecution': 'start',
  'arn:aws:states:::aws-sdk:cloudwatch:putMetricData': 'report',
};

type AslState = Record<string, unknown>;
interface AslMachine {
  States: Record<string, AslState>;
}

/** Every state of `machine` by name, those of Map item processors and Parallel branches included. */
function statesOf(machine: AslMachine): [string, AslState][] {
  return Object.entries(machine.States).flatMap(([name, state]): [string, AslState][] => {
    const processor = (state.ItemProcessor ?? state.Iterator) as AslMachine | undefined;
    const branches = (state.Branches ?? []) as AslMachine[];
    return [
      [name, state],
      ...(processor === undefined ? [] : statesOf(processor)),
      ...branches.flatMap(statesOf),
    ];
  });
}

/**
 * `definition` with the Retry of each Task state from its kind: `kinds` names a Task's kind, else its resource
 * does. Fails (and so does synth) on a Task whose kind is unknown, on a Retry written in the definition (a second
 * source of retry policy) and on a `kinds` entry that names no Task (a renamed state would lose its policy).
 */
function withRetries(definition: string, kinds: Readonly<Record<string, SagaTaskKind>>): string {
  const machine = JSON.parse(definition) as AslMachine;
  const named = new Set(Object.keys(kinds));
  for (const [name, state] of statesOf(machine)) {
    if (state.Type !== 'Task') continue;
    if (state.Retry !== undefined) {
      throw new Error(
        `Task state '${name}' writes its own Retry: retries come from lib/saga-retry-policies.ts`,
      );
    }
    const resource = String(state.Resource);
    const kind = kinds[name] ?? kindOfResource[resource];
    if (kind === undefined) {
      throw new Error(
        `Task state '${name}' (${resource}) has no retry kind: name it in REMEDIATION_TASK_KINDS (lib/saga-definition.ts)`,
      );
    }
    named.delete(name);
    state.Retry = retryPolicy(kind);
  }
  if (named.size > 0) {
    throw new Error(`REMEDIATION_TASK_KINDS names no Task state of the definition: ${[...named].join(', ')}`);
  }
  return JSON.stringify(machine, null, 2);
}

/** The longest a Task of this kind can take in all, its first attempt of `seconds` and every retry with its wait. */
function withRetryTime(kind: SagaTaskKind, seconds: number): number {
  return retryPolicy(kind).reduce((total, retrier: Retrier) => {
    let waits = 0;
    for (let attempt = 0; attempt < retrier.MaxAttempts; attempt++) {
      const wait = retrier.IntervalSeconds * retrier.BackoffRate ** attempt;
      waits += Math.min(wait, retrier.MaxDelaySeconds ?? wait) + seconds;
    }
    return total + waits;
  }, seconds);
}

/**
 * The longest a saga can run before its last compensation: every task of the longest plan waits out a whole
 * escalation chain, runs to its timeout and is compensated with every retry. Retries of the invoke and publish
 * steps (seconds each, a minute or two when Lambda throttles) fit in the margin this leaves (2,025 s today).
 */
function longestSagaSeconds(): number {
  const { task, compensation } = longestTaskSeconds();
  return MAX_PLAN_TASKS * (MAX_APPROVAL_WAIT_SECONDS + task + withRetryTime('compensation', compensation));
}

/**
 * Fails (and so does synth) when the execution timeout could end a saga before its compensations ran: a Standard
 * execution that times out stops where it is, and no Catch runs.
 */
function checkTimeout(definition: string): string {
  const timeout = Number((JSON.parse(definition) as { TimeoutSeconds?: unknown }).TimeoutSeconds);
  const longest = longestSagaSeconds();
  if (!(timeout > longest)) {
    throw new Error(
      `the saga's TimeoutSeconds (${timeout}) must exceed its longest run (${longest} s: ${MAX_PLAN_TASKS} tasks, each with a ${MAX_APPROVAL_WAIT_SECONDS} s approval, its timeout and its compensation's retries)`,
    );
  }
  return definition;
}

/**
 * The remediation saga's definition as it is deployed (and as the sandbox runs it): the ASL file, each Task
 * with the retry policy of its kind, checked to outlast its longest run.
 */
export function remediationSagaDefinition(definitionPath = REMEDIATION_SAGA_ASL): string {
  return checkTimeout(withRetries(readFileSync(definitionPath, 'utf8'), REMEDIATION_TASK_KINDS));
}
