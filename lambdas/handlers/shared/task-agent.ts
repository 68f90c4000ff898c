import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { StsTaskSessions } from '../../adapters/sts-task-sessions';
import type { DetailType } from '../../domain/contracts/registry';
import {
  TaskSessionTagInvalid,
  taskSessionTags,
  type TaskOfCommand,
} from '../../domain/governance/task-session';
import {
  commandIdempotency,
  commandVariables,
  runCommand,
  type CommandAgent,
  type CommandAnswer,
} from './command';
import { requiredText } from './config';
import type { Observability } from './observability';
import { streamPublishing } from './rejections';

/** The variables of a command agent whose effects run with its task's session: the task-execution role too. */
export const taskAgentVariables = { TASK_ROLE_ARN: requiredText, ...commandVariables };

/** What one command agent carries out, and how it judges a failure (see {@link CommandAgent}). */
type Commands<T extends DetailType, A extends CommandAnswer> = Pick<
  CommandAgent<T, A>,
  'commands' | 'perform' | 'failure' | 'done'
>;

/**
 * A command agent whose effects run with a session of its task-execution role, tagged with the task (ABAC), built
 * once per cold start. Its own role only keeps idempotency records, publishes and reads what it reads as itself
 * (`dynamodb`); `sessionFor` opens a DynamoDB client on a task's credentials and builds the task's stores on it.
 */
export function taskCommandAgent<S>(
  agent: { readonly name: string; readonly source: string },
  config: {
    readonly TASK_ROLE_ARN: string;
    readonly IDEMPOTENCY_TABLE_NAME: string;
    readonly EVENT_BUS_NAME: string;
    readonly DEAD_LETTER_QUEUE_URL: string;
  },
  observability: Observability,
  storesOf: (client: DynamoDBClient) => S,
) {
  const { logger, tracer, metrics } = observability;
  const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
  const sessions = new StsTaskSessions({
    roleArn: config.TASK_ROLE_ARN,
    sts: tracer.captureAWSv3Client(new STSClient({})),
    open: (credentials) => storesOf(tracer.captureAWSv3Client(new DynamoDBClient({ credentials }))),
  });
  const { publisher, rejector } = streamPublishing(config, agent.source, observability);
  // A command's effect happens once per idempotency key, however often EventBridge, Lambda or the saga's retries
  // deliver it.
  const idempotency = commandIdempotency(dynamodb, config.IDEMPOTENCY_TABLE_NAME);
  return {
    dynamodb,
    idempotency,
    /** The stores of `task`'s session, tagged with the agent, the incident, the task and the entities it acts on. */
    sessionFor: (task: TaskOfCommand): Promise<S> => sessions.for(taskSessionTags(agent.name, task)),
    /** Runs one command event (see {@link runCommand}); Lambda's context bounds the idempotency records in progress. */
    run: async <T extends DetailType, A extends CommandAnswer>(
      event: unknown,
      context: Context | undefined,
      commands: Commands<T, A>,
    ): Promise<void> => {
      if (context) idempotency.config.registerLambdaContext(context);
      await runCommand(event, {
        agent: agent.name,
        source: agent.source,
        rejector,
        publisher,
        logger,
        metrics,
        ...commands,
        // A value the task's session cannot be tagged with fails the task (its field named), as a refused one does.
        failure: (error) =>
          error instanceof TaskSessionTagInvalid ? { error, field: error.field } : commands.failure(error),
      });
    },
  };
}
