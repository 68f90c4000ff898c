import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { EventBridgeSchema, SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas';
import type { z } from 'zod';
import { ContractViolation, UnknownDetailType, type ContractIssue } from '../../domain/contracts/errors';
import { isDetailType, parseDetail, type ParsedEvent } from '../../domain/contracts/parse';
import type { DetailType } from '../../domain/contracts/registry';

/** An SQS record whose body is an EventBridge event, as a rule's SQS target delivers it (Powertools schemas). */
const eventBridgeRecord = SqsRecordSchema.extend({ body: JSONStringified(EventBridgeSchema) });

type Envelope = z.output<typeof EventBridgeSchema>;

/** Where an issue is: an envelope field (`time`), `(event)` for an unreadable body, `record.*` for the SQS record. */
function fieldOf(path: readonly PropertyKey[], inBody: boolean): string {
  const names = path.map(String);
  if (inBody) return names.join('.') || '(event)';
  if (names[0] === 'body') return names.slice(1).join('.') || '(event)';
  return ['record', ...names].join('.');
}

function issuesOf(error: z.ZodError, inBody: boolean): ContractIssue[] {
  return error.issues.map((issue) => {
    const path = fieldOf(issue.path, inBody);
    // The body is not JSON: the same words whatever the parser's message (which may quote the input).
    return {
      path,
      message: path === '(event)' && issue.code === 'custom' ? 'not valid JSON' : issue.message,
    };
  });
}

/** The detail-type an unreadable envelope claims, to name it in the violation. */
function claimedDetailType(value: unknown): string {
  const claimed = (value as { 'detail-type'?: unknown } | null)?.['detail-type'];
  return typeof claimed === 'string' && claimed.length > 0 ? claimed.slice(0, 256) : '(unknown)';
}

function claimedInBody(body: string): string {
  try {
    return claimedDetailType(JSON.parse(body));
  } catch {
    return '(unknown)';
  }
}

/** The envelope's detail checked against its contract (the envelope itself is EventBridge's, already checked). */
function withContract<T extends DetailType>(envelope: Envelope, accepted: readonly T[]): ParsedEvent<T> {
  const detailType = envelope['detail-type'];
  if (!isDetailType(detailType) || !(accepted as readonly string[]).includes(detailType)) {
    throw new UnknownDetailType(detailType);
  }
  const typed = detailType as T;
  return {
    id: envelope.id,
    detailType: typed,
    source: envelope.source,
    time: envelope.time,
    detail: parseDetail(typed, envelope.detail),
  };
}

/**
 * An EventBridge event as a rule's Lambda target receives it: the envelope checked with the Powertools parser's
 * `EventBridgeSchema`, the detail with its contract. Throws {@link ContractViolation} naming the field
 * (`time`, `detail.orderId`); `accepted` limits the detail-types the caller handles.
 */
export function parseEventBridgeEvent<T extends DetailType>(
  event: unknown,
  accepted: readonly T[],
): ParsedEvent<T> {
  return withContract(parseEventBridgeEnvelope(event), accepted);
}

/**
 * The envelope alone, for a target that takes any detail-type it is routed (the consoles' live push): checked with
 * the Powertools parser's `EventBridgeSchema`. Throws {@link ContractViolation} naming the field.
 */
export function parseEventBridgeEnvelope(event: unknown): Envelope {
  const envelope = EventBridgeSchema.safeParse(event);
  if (!envelope.success)
    throw new ContractViolation(claimedDetailType(event), issuesOf(envelope.error, true));
  return envelope.data;
}

/**
 * An SQS record carrying an EventBridge event (a rule's SQS target): the record and its JSON body checked with
 * the Powertools parser's `SqsRecordSchema` and `EventBridgeSchema`, the detail with its contract. Record by
 * record rather than the `SqsEnvelope`, which fails the whole batch for one bad record: here a bad one is
 * rejected alone with its reason. Throws {@link ContractViolation} naming the field.
 */
export function parseEventRecord<T extends DetailType>(
  record: { readonly body: string },
  accepted: readonly T[],
): ParsedEvent<T> {
  const parsed = eventBridgeRecord.safeParse(record);
  if (!parsed.success) {
    throw new ContractViolation(claimedInBody(record.body), issuesOf(parsed.error, false));
  }
  return withContract(parsed.data.body, accepted);
}
