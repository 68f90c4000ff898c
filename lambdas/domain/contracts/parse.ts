import { z } from 'zod';
import { ContractViolation, UnknownDetailType, type ContractIssue } from './errors';
import { contracts, type DetailOf, type DetailType } from './registry';

/** The EventBridge envelope as targets receive it. */
const eventEnvelope = z.looseObject({
  version: z.string().optional(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string().optional(),
  time: z.iso.datetime({ offset: true }),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.unknown(),
});

export interface ParsedEvent<T extends DetailType> {
  readonly id: string;
  readonly detailType: T;
  readonly source: string;
  readonly time: string;
  readonly detail: DetailOf<T>;
}

function issuesOf(error: z.ZodError, prefix: string): ContractIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

export function isDetailType(value: string): value is DetailType {
  return Object.hasOwn(contracts, value);
}

/** Parses a detail against its contract; throws ContractViolation naming the field. */
export function parseDetail<T extends DetailType>(detailType: T, detail: unknown): DetailOf<T> {
  const result = contracts[detailType].schema.safeParse(detail);
  if (!result.success) throw new ContractViolation(detailType, issuesOf(result.error, 'detail'));
  return result.data as DetailOf<T>;
}

/**
 * Parses a whole event — a JSON string (an SQS body) or an object — into its envelope and typed detail.
 * `accepted` limits which detail-types the caller handles.
 *
 * Hand-written rather than the Powertools parser's `EventBridgeSchema`, which the Lambda handlers use
 * (`handlers/shared/event-envelope.ts`): the domain stays free of AWS libraries (lint rule), and its readers of
 * event files (benchmarks) take envelopes as services wrote them.
 */
export function parseEvent<T extends DetailType>(raw: unknown, accepted: readonly T[]): ParsedEvent<T> {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch (cause) {
      throw new ContractViolation('(unknown)', [{ path: '(event)', message: 'not valid JSON' }], { cause });
    }
  }
  const envelope = eventEnvelope.safeParse(value);
  if (!envelope.success) {
    const detailType =
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Record<string, unknown>)['detail-type'] === 'string'
        ? String((value as Record<string, unknown>)['detail-type'])
        : '(unknown)';
    throw new ContractViolation(detailType, issuesOf(envelope.error, ''));
  }
  const detailType = envelope.data['detail-type'];
  if (!isDetailType(detailType) || !(accepted as readonly string[]).includes(detailType)) {
    throw new UnknownDetailType(detailType);
  }
  const typed = detailType as T;
  return {
    id: envelope.data.id,
    detailType: typed,
    source: envelope.data.source,
    time: envelope.data.time,
    detail: parseDetail(typed, envelope.data.detail),
  };
}
