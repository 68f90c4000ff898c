/**
 * The AWS quotas the sandbox enforces, in bytes, each with the page that states it. The sandbox refuses what AWS
 * would refuse, so a test that passes here does not fail on the first oversized payload in the cloud.
 *
 * DynamoDB's 400 KB item size is enforced in dynalite's own thread (`dynamodb/item-size.cjs`), which cannot import
 * this module. EventBridge's PutEvents limits are the contracts' (`put-events.ts`): the publishers chunk by them too.
 */
export {
  PUT_EVENTS_MAX_ENTRIES,
  PUT_EVENTS_MAX_REQUEST_BYTES,
  putEventsEntrySize,
} from '../lambdas/domain/contracts/put-events';

/**
 * SQS: a message's size, its body plus every attribute's name, type and value, "1 MiB or 1,048,576 bytes" (it was
 * 256 KiB): https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_MessageAttributeValue.html
 */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/**
 * Lambda Invoke, synchronous (RequestResponse): the request payload
 * (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html, "the maximum payload size is 6 MB").
 */
export const LAMBDA_SYNC_REQUEST_MAX_BYTES = 6_291_456;

/** Lambda Invoke, synchronous: the function's response, as Lambda reports it (6 MB plus 100 bytes). */
export const LAMBDA_SYNC_RESPONSE_MAX_BYTES = 6_291_556;

/**
 * Lambda Invoke, asynchronous (Event, which is how EventBridge invokes a function target): the request payload,
 * 1 MB (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html, "For asynchronous invocations, the maximum
 * payload size is 1 MB"; it was 256 KB).
 */
export const LAMBDA_ASYNC_REQUEST_MAX_BYTES = 1_048_576;

/**
 * Lambda: a function's environment variables, measured as Lambda measures them, the compact JSON of the variables
 * map (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html, "4 KB, ... total size of all
 * environment variables").
 */
export const LAMBDA_ENVIRONMENT_MAX_BYTES = 4_096;

/**
 * Step Functions: the input or output of a task, state or execution, 256 KiB as UTF-8
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 */
export const STATES_PAYLOAD_MAX_BYTES = 262_144;

/** The UTF-8 size of a value's compact JSON, the form every one of these services measures. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}
