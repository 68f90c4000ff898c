import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { retryPolicy, type SagaTaskKind } from './saga-retry-policies';

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

/**
 * The remediation saga's definition as it is deployed (and as the sandbox runs it): the ASL file, each Task
 * with the retry policy of its kind.
 */
export function remediationSagaDefinition(definitionPath = REMEDIATION_SAGA_ASL): string {
  return withRetries(readFileSync(definitionPath, 'utf8'), REMEDIATION_TASK_KINDS);
}
