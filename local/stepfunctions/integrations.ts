import { randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DeleteItemCommandInput,
  type DynamoDBClient,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDbOperation } from './definition';
import { StateError } from './errors';
import type { MetricDatum, PutEventsEntry, StepFunctionsHost } from './host';
import { isJsonObject, toJson, type Json, type JsonObject } from './json';

/** Where ARNs are completed from a bare function name. */
export interface AccountScope {
  readonly region: string;
  readonly accountId: string;
}

const HTTP_METADATA = { AllHttpHeaders: {}, HttpHeaders: {}, HttpStatusCode: 200 } as const;

/** `arn:aws:states:::lambda:invoke`: the result is shaped like the AWS integration's (Payload, StatusCode…). */
export async function invokeLambdaIntegration(
  host: StepFunctionsHost,
  parameters: Json,
  scope: AccountScope,
  track: (work: Promise<unknown>) => void,
): Promise<JsonObject> {
  const request = isJsonObject(parameters) ? parameters : {};
  if (typeof request.FunctionName !== 'string') {
    throw new StateError('Lambda.InvalidParameterValueException', 'FunctionName is required.');
  }
  const functionArn = completeFunctionArn(request.FunctionName, request.Qualifier, scope);
  const payload = request.Payload ?? {};
  const metadata = { SdkHttpMetadata: HTTP_METADATA, SdkResponseMetadata: { RequestId: randomUUID() } };
  if (request.InvocationType === 'Event' || request.InvocationType === 'DryRun') {
    // Asynchronous invocation: Lambda accepts it and the task moves on; its errors are Lambda's to retry.
    if (request.InvocationType === 'Event')
      track(host.invokeLambda(functionArn, payload).catch(() => undefined));
    return { Payload: '', StatusCode: request.InvocationType === 'Event' ? 202 : 204, ...metadata };
  }
  const result = await invokeFunction(host, functionArn, payload);
  return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200, ...metadata };
}

/** A Lambda function ARN as Resource (the legacy integration): the task's result is the function's result. */
export function invokeFunction(host: StepFunctionsHost, functionArn: string, payload: Json): Promise<Json> {
  return host.invokeLambda(functionArn, payload).then(toJson, (error: unknown) => {
    throw lambdaError(error);
  });
}

/**
 * `arn:aws:states:::events:putEvents`: the entries as given (Detail objects sent as JSON text, as AWS does), with
 * the execution's ARN and its state machine's (`resources`) appended to each entry's `Resources`, as the optimized
 * integration does (https://docs.aws.amazon.com/step-functions/latest/dg/connect-eventbridge.html) — they count
 * toward its size.
 */
export async function putEventsIntegration(
  host: StepFunctionsHost,
  parameters: Json,
  resources: readonly string[],
): Promise<JsonObject> {
  const entries =
    isJsonObject(parameters) && Array.isArray(parameters.Entries) ? parameters.Entries : undefined;
  if (!entries || entries.length === 0) {
    throw new StateError('EventBridge.ValidationException', 'Entries must be a non-empty array.');
  }
  let response;
  try {
    response = await host.putEvents(
      entries.map((entry) => {
        const out = toPutEventsEntry(entry);
        out.Resources = (out.Resources ?? []).concat(resources);
        return out;
      }),
    );
  } catch (error) {
    throw serviceError('EventBridge', error, 'EventBridgeException');
  }
  if (response.FailedEntryCount > 0) {
    // AWS fails the task when any entry fails, naming the error EventBridge.FailedEntry.
    throw new StateError('EventBridge.FailedEntry', JSON.stringify(response));
  }
  return { Entries: toJson(response.Entries), FailedEntryCount: response.FailedEntryCount };
}

/** PutMetricData's limit on datapoints per request. */
const MAX_METRIC_DATA = 1000;

/**
 * `arn:aws:states:::aws-sdk:cloudwatch:putMetricData`: the datapoints recorded at the current virtual time, each
 * with a name and a number (`Value`); the API's answer is empty. A refusal is `CloudWatch.<error code>`, as Step
 * Functions names an AWS SDK integration's errors.
 */
export function putMetricDataIntegration(host: StepFunctionsHost, parameters: Json): JsonObject {
  const request = isJsonObject(parameters) ? parameters : {};
  const invalid = (message: string) => new StateError('CloudWatch.InvalidParameterValueException', message);
  if (
    typeof request.Namespace !== 'string' ||
    request.Namespace === '' ||
    request.Namespace.startsWith('AWS/')
  )
    throw invalid('The value for parameter Namespace is required and may not start with "AWS/".');
  const data = request.MetricData;
  if (!Array.isArray(data) || data.length === 0 || data.length > MAX_METRIC_DATA)
    throw invalid(`The collection MetricData must hold 1 to ${MAX_METRIC_DATA} items.`);
  const datums: MetricDatum[] = data.map((datum, i) => {
    const d = isJsonObject(datum) ? datum : {};
    if (typeof d.MetricName !== 'string' || d.MetricName === '')
      throw invalid(`The parameter MetricData.member.${i + 1}.MetricName is required.`);
    if (typeof d.Value !== 'number' || !Number.isFinite(d.Value))
      throw invalid(`The parameter MetricData.member.${i + 1}.Value must be a number.`);
    const dimensions = (Array.isArray(d.Dimensions) ? d.Dimensions : []).map((dimension, j) => {
      const x = isJsonObject(dimension) ? dimension : {};
      if (typeof x.Name !== 'string' || typeof x.Value !== 'string')
        throw invalid(
          `The parameter MetricData.member.${i + 1}.Dimensions.member.${j + 1} needs a Name and a Value.`,
        );
      return { Name: x.Name, Value: x.Value };
    });
    return { MetricName: d.MetricName, Dimensions: dimensions, Value: d.Value };
  });
  if (!host.putMetricData)
    throw new StateError(
      'CloudWatch.CloudWatchException',
      'The sandbox has no CloudWatch to record metrics in.',
    );
  host.putMetricData(request.Namespace, datums);
  return {};
}

/** `arn:aws:states:::dynamodb:<operation>`: Parameters are the API request, the result is the API response. */
export async function dynamoDbIntegration(
  client: DynamoDBClient,
  operation: DynamoDbOperation,
  parameters: Json,
): Promise<JsonObject> {
  const input = toSdkAttributes(isJsonObject(parameters) ? parameters : {}) as Record<string, unknown>;
  try {
    const output = await sendDynamoDb(client, operation, input);
    const { $metadata, ...response } = output;
    return {
      ...(fromSdkAttributes(response) as JsonObject),
      SdkHttpMetadata: { ...HTTP_METADATA, HttpStatusCode: $metadata.httpStatusCode ?? 200 },
      SdkResponseMetadata: { RequestId: $metadata.requestId ?? '' },
    };
  } catch (error) {
    throw dynamoDbError(error);
  }
}

function sendDynamoDb(client: DynamoDBClient, operation: DynamoDbOperation, input: Record<string, unknown>) {
  switch (operation) {
    case 'putItem':
      return client.send(new PutItemCommand(input as unknown as PutItemCommandInput));
    case 'getItem':
      return client.send(new GetItemCommand(input as unknown as GetItemCommandInput));
    case 'updateItem':
      return client.send(new UpdateItemCommand(input as unknown as UpdateItemCommandInput));
    case 'deleteItem':
      return client.send(new DeleteItemCommand(input as unknown as DeleteItemCommandInput));
  }
}

export function completeFunctionArn(name: string, qualifier: Json | undefined, scope: AccountScope): string {
  const base = name.startsWith('arn:')
    ? name
    : /^\d{12}:function:/.test(name)
      ? `arn:aws:lambda:${scope.region}:${name}`
      : `arn:aws:lambda:${scope.region}:${scope.accountId}:function:${name}`;
  return typeof qualifier === 'string' && qualifier !== '' ? `${base}:${qualifier}` : base;
}

/** AWS reports a function error with its errorType as Error and the error payload as Cause. */
function lambdaError(error: unknown): StateError {
  if (error instanceof StateError) return error;
  const errorType = error instanceof Error ? error.name : 'Lambda.Unknown';
  const errorMessage = error instanceof Error ? error.message : String(error);
  const trace = error instanceof Error && error.stack ? error.stack.split('\n') : [];
  return new StateError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}

function dynamoDbError(error: unknown): StateError {
  if (!(error instanceof Error)) return new StateError('DynamoDB.AmazonDynamoDBException', String(error));
  const metadata = ($metadataOf(error) ?? {}) as { httpStatusCode?: number; requestId?: string };
  const isServiceError = metadata.httpStatusCode !== undefined;
  const code = isServiceError ? error.name : 'AmazonDynamoDBException';
  return new StateError(
    `DynamoDB.${code}`,
    `${error.message} (Service: AmazonDynamoDBv2; Status Code: ${metadata.httpStatusCode ?? 500}; ` +
      `Error Code: ${code}; Request ID: ${metadata.requestId ?? ''}; Proxy: null)`,
  );
}

function serviceError(service: string, error: unknown, fallback: string): StateError {
  const name = error instanceof Error && error.name !== 'Error' ? error.name : fallback;
  const message = error instanceof Error ? error.message : String(error);
  return new StateError(name.startsWith(`${service}.`) ? name : `${service}.${name}`, message);
}

function $metadataOf(error: Error): unknown {
  return '$metadata' in error ? error.$metadata : undefined;
}

function toPutEventsEntry(entry: Json): PutEventsEntry {
  const source = isJsonObject(entry) ? entry : {};
  const out: PutEventsEntry = {};
  if (typeof source.Source === 'string') out.Source = source.Source;
  if (typeof source.DetailType === 'string') out.DetailType = source.DetailType;
  if (source.Detail !== undefined) {
    out.Detail = typeof source.Detail === 'string' ? source.Detail : JSON.stringify(source.Detail);
  }
  if (typeof source.EventBusName === 'string') out.EventBusName = source.EventBusName;
  if (typeof source.Time === 'string' || typeof source.Time === 'number') out.Time = new Date(source.Time);
  if (Array.isArray(source.Resources)) out.Resources = source.Resources.filter((r) => typeof r === 'string');
  return out;
}

/** AWS JSON carries binary attribute values as base64 text; the SDK wants bytes. */
function toSdkAttributes(value: Json): unknown {
  if (Array.isArray(value)) return value.map(toSdkAttributes);
  if (!isJsonObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && typeof value.B === 'string') return { B: Buffer.from(value.B, 'base64') };
  if (keys.length === 1 && Array.isArray(value.BS)) {
    return { BS: value.BS.map((b) => Buffer.from(typeof b === 'string' ? b : '', 'base64')) };
  }
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toSdkAttributes(inner)]));
}

function fromSdkAttributes(value: unknown): Json {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(fromSdkAttributes);
  if (value instanceof Set) return [...(value as Set<unknown>)].map(fromSdkAttributes);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, inner]) => inner !== undefined)
        .map(([key, inner]) => [key, fromSdkAttributes(inner)]),
    );
  }
  return toJson(value);
}
