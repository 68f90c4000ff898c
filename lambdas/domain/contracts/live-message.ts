/**
 * The compact message an operator console receives for each event the platform emits, live: the same shape in the
 * sandbox (server-sent events, `local/console/live-events.ts`) and on AWS (the WebSocket push function,
 * `lambdas/handlers/live-push.ts`), built here by the same code so that the two channels cannot drift apart.
 */
import { describeEvent } from './describe';

/** An event the platform emitted, with the incident it belongs to and its one-line summary. */
export interface PlatformEventMessage {
  readonly id: string;
  /** Event time (ISO 8601). */
  readonly time: string;
  readonly source: string;
  readonly detailType: string;
  readonly correlationId?: string;
  readonly summary: string;
  /** The event's detail, without task tokens. */
  readonly detail: unknown;
  /**
   * Set when the message was cut to fit its channel (a WebSocket message is at most 128 KB): what was left out.
   * The incident's timeline (`GET /incidents/{id}/timeline`) has the whole event.
   */
  readonly truncated?: string;
}

/** The envelope fields the message is built from (an EventBridge event, as the bus or a rule target sees it). */
export interface PlatformEnvelope {
  readonly id: string;
  readonly time: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail?: unknown;
}

/** One WebSocket message of the AWS push channel: the kind names the payload, as SSE's `event:` line does. */
export interface LiveSocketFrame {
  readonly kind: 'platform';
  readonly message: PlatformEventMessage;
}

/** API Gateway's limit on one WebSocket message (PostToConnection's `Data`): 128 KB. */
export const WEBSOCKET_MESSAGE_LIMIT_BYTES = 128 * 1024;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * A task token answers a waiting saga: it stays with the platform (the console answers through the operator API,
 * as the signed operator), never in a browser.
 */
function withoutTaskToken(detail: Record<string, unknown>): Record<string, unknown> {
  if (!('taskToken' in detail)) return detail;
  const { taskToken: _token, ...rest } = detail;
  return rest;
}

/** The console's message for one platform event: its summary, its incident, its detail without task tokens. */
export function platformEventMessage(event: PlatformEnvelope): PlatformEventMessage {
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  const correlationId = text(detail.correlationId);
  const safe = withoutTaskToken(detail);
  return {
    id: event.id,
    time: event.time,
    source: event.source,
    detailType: event['detail-type'],
    ...(correlationId === undefined ? {} : { correlationId }),
    // Summarised without the token too: a detail the summary cannot read is shown raw.
    summary: describeEvent(event['detail-type'], safe),
    detail: safe,
  };
}

const utf8 = new TextEncoder();
const bytesOf = (value: unknown): number => utf8.encode(JSON.stringify(value)).length;

/** The summary is one line: a longer one is clipped to this many characters. */
const SUMMARY_CHARACTERS = 1000;
/** An evidence line longer than this is clipped before lines are dropped. */
const EVIDENCE_CHARACTERS = 2000;

const clip = (line: string, characters: number): string =>
  line.length <= characters ? line : `${line.slice(0, characters - 1)}…`;

/**
 * `frame(message)` fitted into `maxBytes` of JSON: a plan's evidence (the one field that grows without bound: the
 * planner's reasons, similar incidents, the reasoner's notes) is cut first — long lines clipped, then the last lines
 * dropped — and, if that is not enough, the detail is left out. Whatever is cut is named in `truncated`, so the
 * console can say so and point at the timeline. Throws when even the bare message does not fit (`maxBytes` too
 * small for any event).
 */
export function fitFrame<F>(
  message: PlatformEventMessage,
  frame: (message: PlatformEventMessage) => F,
  maxBytes: number,
): F {
  const whole = frame(message);
  const size = bytesOf(whole);
  if (size <= maxBytes) return whole;
  const summary = clip(message.summary, SUMMARY_CHARACTERS);
  const detail = (message.detail ?? {}) as Record<string, unknown>;
  const evidence = detail.evidence;
  if (Array.isArray(evidence) && evidence.length > 0) {
    const lines = (evidence as unknown[]).map((line) =>
      typeof line === 'string' ? clip(line, EVIDENCE_CHARACTERS) : line,
    );
    const attempt = (kept: number): F =>
      frame({
        ...message,
        summary,
        detail: { ...detail, evidence: lines.slice(0, kept) },
        truncated: `detail.evidence: ${kept} of ${evidence.length} lines kept, long lines clipped (the event is ${size} bytes; a message may be ${maxBytes})`,
      });
    // The most leading lines that fit: a binary search (the size grows with the lines kept).
    let best: F | undefined;
    let low = 0;
    let high = lines.length;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const candidate = attempt(middle);
      if (bytesOf(candidate) <= maxBytes) {
        best = candidate;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (best !== undefined) return best;
  }
  const bare = frame({
    ...message,
    summary,
    detail: {},
    truncated: `detail left out (the event is ${size} bytes; a message may be ${maxBytes})`,
  });
  if (bytesOf(bare) > maxBytes) {
    throw new RangeError(`maxBytes ${maxBytes} is too small for event ${message.id} even without its detail`);
  }
  return bare;
}
