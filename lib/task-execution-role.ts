import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { TASK_SESSION_TAG_KEYS } from '../lambdas/domain/governance/task-session';

export interface TaskExecutionRoleProps {
  /** The agent's function: its role alone may assume this one, and it finds the role in `TASK_ROLE_ARN`. */
  readonly function: lambda.Function;
  /** The agent's name (its Powertools service name): the only `agent` tag value a session may carry. */
  readonly agent: string;
  /** Session tag keys a session may carry; `agent`, `incident` and `task` are always required. @default all task tags */
  readonly tagKeys?: readonly string[];
}

/** The tags every task session must carry. */
const REQUIRED_TAGS = ['agent', 'incident', 'task'] as const;

/**
 * The role an agent's tasks run with (attribute-based access control): the agent's function assumes it once
 * per task, with session tags naming the task's agent, incident, task and entities (warehouse, region, reroute
 * journal), for 15 minutes; the role's policies (the `grant*` methods of `Memory` called on {@link role}) name
 * those tags (`${aws:PrincipalTag/warehouse}`), so a session can touch only the entities of its own task.
 *
 * The trust policy admits the agent's function role only, with `sts:TagSession`, and only sessions tagged
 * `agent` = the agent, `incident` and `task`, and no tag key outside `tagKeys`. No transitive tags: a session
 * cannot pass its tags on.
 */
export class TaskExecutionRole extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TaskExecutionRoleProps) {
    super(scope, id);
    const tagKeys = [...(props.tagKeys ?? TASK_SESSION_TAG_KEYS)];
    const missing = REQUIRED_TAGS.filter((key) => !tagKeys.includes(key));
    if (missing.length > 0) {
      throw new Error(`tagKeys must include ${missing.join(', ')}, got [${tagKeys.join(', ')}]`);
    }
    const invoker = props.function.role;
    if (!invoker)
      throw new Error(`function ${props.function.node.path} has no role to assume the task role with`);
    this.role = new iam.Role(this, 'Role', {
      description: `Task sessions of ${props.agent}: scoped by session tags to the entities of one task`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.SessionTagsPrincipal(new iam.ArnPrincipal(invoker.roleArn)).withConditions({
        StringEquals: { 'aws:RequestTag/agent': props.agent },
        'ForAllValues:StringEquals': { 'aws:TagKeys': tagKeys },
        Null: Object.fromEntries(
          REQUIRED_TAGS.filter((key) => key !== 'agent').map((key) => [`aws:RequestTag/${key}`, 'false']),
        ),
      }),
    });
    iam.Grant.addToPrincipal({
      grantee: invoker,
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      resourceArns: [this.role.roleArn],
    });
    props.function.addEnvironment('TASK_ROLE_ARN', this.role.roleArn);
  }
}
