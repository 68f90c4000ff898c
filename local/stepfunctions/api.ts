import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { InvalidToken, UnknownOperationException, ValidationException } from './errors';
import { isJsonObject, type JsonObject } from './json';
import type { ExecutionStatus, LocalStepFunctions } from './local-step-functions';

const TARGET_PREFIX = 'AWSStepFunctions.';
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const EXECUTION_STATUSES: readonly string[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/**
 * One Step Functions JSON 1.0 operation: AWS request shapes in, AWS response shapes out (timestamps as epoch seconds,
 * as the protocol carries them). Throws errors whose `name` is the AWS error code.
 */
export function handleStepFunctionsApiRequest(
  sfn: LocalStepFunctions,
  target: string,
  body: unknown,
): unknown {
  const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
  const request = requestObject(body);
  switch (operation) {
    case 'StartExecution': {
      const name = optionalString(request, 'name');
      const input = optionalString(request, 'input');
      const traceHeader = optionalString(request, 'traceHeader');
      const started = sfn.startExecution({
        stateMachineArn: requiredString(request, 'stateMachineArn'),
        ...(input === undefined ? {} : { input }),
        ...(name === undefined ? {} : { name }),
        ...(traceHeader === undefined ? {} : { traceHeader }),
      });
      return { executionArn: started.executionArn, startDate: epochSeconds(started.startDate) };
    }
    case 'StopExecution': {
      const stopped = sfn.stopExecution(
        requiredString(request, 'executionArn'),
        optionalString(request, 'error'),
        optionalString(request, 'cause'),
      );
      return { stopDate: epochSeconds(stopped.stopDate) };
    }
    case 'SendTaskSuccess':
      sfn.sendTaskSuccess(requiredString(request, 'taskToken'), requiredString(request, 'output'));
      return {};
    case 'SendTaskFailure':
      sfn.sendTaskFailure(
        requiredString(request, 'taskToken'),
        optionalString(request, 'error'),
        optionalString(request, 'cause'),
      );
      return {};
    case 'SendTaskHeartbeat':
      sfn.sendTaskHeartbeat(requiredString(request, 'taskToken'));
      return {};
    case 'DescribeExecution':
      return withEpochDates(sfn.describeExecution(requiredString(request, 'executionArn')));
    case 'GetExecutionHistory': {
      const { events } = sfn.getExecutionHistory(requiredString(request, 'executionArn'));
      const includeData = optionalBoolean(request, 'includeExecutionData') ?? true;
      const ordered = optionalBoolean(request, 'reverseOrder') ? [...events].reverse() : events;
      const page = paginate(ordered, request);
      return { events: page.items.map((event) => serializeEvent(event, includeData)), ...page.next };
    }
    case 'ListExecutions': {
      const statusFilter = optionalString(request, 'statusFilter');
      if (statusFilter !== undefined && !EXECUTION_STATUSES.includes(statusFilter)) {
        throw new ValidationException(`statusFilter must be one of ${EXECUTION_STATUSES.join(', ')}.`);
      }
      const { executions } = sfn.listExecutions(
        requiredString(request, 'stateMachineArn'),
        statusFilter as ExecutionStatus | undefined,
      );
      const page = paginate(executions, request);
      return { executions: page.items.map(withEpochDates), ...page.next };
    }
    case 'DescribeStateMachine':
      return withEpochDates(sfn.describeStateMachine(requiredString(request, 'stateMachineArn')));
    case 'ListStateMachines': {
      const page = paginate(sfn.listStateMachines().stateMachines, request);
      return { stateMachines: page.items.map(withEpochDates), ...page.next };
    }
    default:
      throw new UnknownOperationException(`Operation ${target} is not supported by the sandbox.`);
  }
}

function requestObject(body: unknown): JsonObject {
  if (body === undefined || body === null) return {};
  if (!isJsonObject(body)) throw new ValidationException('The request body must be a JSON object.');
  return body;
}

function requiredString(request: JsonObject, field: string): string {
  const value = request[field];
  if (typeof value !== 'string') {
    throw new ValidationException(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function optionalString(request: JsonObject, field: string): string | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ValidationException(`'${field}' must be a string.`);
  return value;
}

function optionalBoolean(request: JsonObject, field: string): boolean | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new ValidationException(`'${field}' must be a boolean.`);
  return value;
}

/** Pages by offset; the token is opaque to callers, as AWS's is. */
function paginate<T>(items: readonly T[], request: JsonObject): { items: T[]; next: { nextToken?: string } } {
  const maxResults = request.maxResults ?? 0;
  if (
    typeof maxResults !== 'number' ||
    !Number.isInteger(maxResults) ||
    maxResults < 0 ||
    maxResults > MAX_PAGE_SIZE
  ) {
    throw new ValidationException(`maxResults must be an integer from 0 to ${MAX_PAGE_SIZE}.`);
  }
  const size = maxResults === 0 ? DEFAULT_PAGE_SIZE : maxResults;
  const token = optionalString(request, 'nextToken');
  const offset = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0 || offset > items.length)
    throw new InvalidToken('Invalid nextToken.');
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    next: end < items.length ? { nextToken: Buffer.from(String(end), 'utf8').toString('base64url') } : {},
  };
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

/** The JSON protocol carries timestamps as epoch seconds. */
function withEpochDates(value: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, inner instanceof Date ? epochSeconds(inner) : inner]),
  );
}

const DATA_FIELDS = new Set(['input', 'output', 'parameters', 'inputDetails', 'outputDetails']);

function serializeEvent(event: HistoryEvent, includeData: boolean): Record<string, unknown> {
  const serialized = withEpochDates(event);
  if (includeData) return serialized;
  return Object.fromEntries(
    Object.entries(serialized).map(([key, inner]) => [
      key,
      key.endsWith('EventDetails') && typeof inner === 'object' && inner !== null
        ? Object.fromEntries(Object.entries(inner).filter(([field]) => !DATA_FIELDS.has(field)))
        : inner,
    ]),
  );
}
