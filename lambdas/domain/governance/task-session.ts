import { GovernanceError } from './errors';

/**
 * Task sessions: every command an agent executes runs with short-lived credentials of its task-execution role,
 * tagged with the task's attributes (ABAC). The role's policies name the tags (`${aws:PrincipalTag/warehouse}`
 * in a `dynamodb:LeadingKeys` condition), so a session can touch only the items of its own task; the trust
 * policy lets the agent set only these keys, and `agent` only to itself.
 */

/** The session tag keys a task session may carry; the trust policies allow no other. */
export const TASK_SESSION_TAG_KEYS = ['agent', 'incident', 'task', 'warehouse', 'region', 'journal'] as const;
type TaskSessionTagKey = (typeof TASK_SESSION_TAG_KEYS)[number];

/** The tags of one task session: `agent`, `incident` and `task` always; the entity keys when the task has one. */
export type TaskSessionTags = Readonly<Partial<Record<TaskSessionTagKey, string>>> & {
  readonly agent: string;
  readonly incident: string;
  readonly task: string;
};

/** STS refuses a session tag value longer than this (characters). */
const MAX_TAG_VALUE_LENGTH = 256;

/** A value the task's session cannot be tagged with: `field` names the command field it came from. */
export class TaskSessionTagInvalid extends GovernanceError {
  override name = 'TaskSessionTagInvalid';
  constructor(
    readonly field: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`task session tag from ${field}: ${reason}`, options);
  }
}

// STS accepts letters, digits, spaces and `_ . : / = + - @` in tag values. Kept as they are: ASCII letters and
// digits and `_ . : / + - @`; everything else (`#`, spaces, `=` itself, non-ASCII) becomes `=XX` per UTF-8 byte.
const KEPT = /^[A-Za-z0-9_.:/+@-]$/;

/**
 * A value as a session tag value, and as it appears in the keys that policies match against that tag:
 * `warehouse#WH-NYC#2026-11-20T10:35:00Z` → `warehouse=23WH-NYC=232026-11-20T10:35:00Z`; ids made of the kept
 * characters (`WH-NYC`) stay as they are. One-to-one, and never containing `#`, `*` or `?`, so a policy's
 * `intake#${aws:PrincipalTag/warehouse}` or `reroute#${aws:PrincipalTag/journal}#part#*` matches exactly one
 * entity's items.
 *
 * @throws TaskSessionTagInvalid naming `field` when the value is empty or its encoding exceeds 256 characters.
 */
export function sessionTagValue(value: string, field: string): string {
  if (value.length === 0) throw new TaskSessionTagInvalid(field, 'is empty');
  let encoded = '';
  for (const char of value) {
    if (KEPT.test(char)) {
      encoded += char;
      continue;
    }
    for (const byte of new TextEncoder().encode(char)) {
      encoded += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  if (encoded.length > MAX_TAG_VALUE_LENGTH) {
    throw new TaskSessionTagInvalid(
      field,
      `${encoded.length} characters once encoded, more than the ${MAX_TAG_VALUE_LENGTH} STS allows`,
    );
  }
  return encoded;
}

/** A value of a command and the field it came from (named in the error when it cannot be a tag). */
export interface TagSource {
  readonly value: string;
  /** The command's field, e.g. `parameters.warehouseId`. */
  readonly field: string;
}

/** What a command says about its task: ids, and the entities it acts on. */
export interface TaskOfCommand {
  readonly correlationId: string;
  readonly taskId: string;
  readonly warehouse?: TagSource;
  readonly region?: TagSource;
  /** The reroute journal it writes or reverts (the reroute's idempotency key). */
  readonly journal?: TagSource;
}

/**
 * The session tags of `agent` running one task: every value encoded by {@link sessionTagValue}, entities only
 * when the task names them (a session without a `warehouse` tag can touch no intake item).
 */
export function taskSessionTags(agent: string, task: TaskOfCommand): TaskSessionTags {
  const optional = (key: TaskSessionTagKey, source: TagSource | undefined) =>
    source === undefined ? {} : { [key]: sessionTagValue(source.value, source.field) };
  return {
    agent: sessionTagValue(agent, 'agent'),
    incident: sessionTagValue(task.correlationId, 'correlationId'),
    task: sessionTagValue(task.taskId, 'taskId'),
    ...optional('warehouse', task.warehouse),
    ...optional('region', task.region),
    ...optional('journal', task.journal),
  };
}
