/*
 * What the sandbox's `GET /traces/<correlationId>` answers: the one owner of its shape. The sandbox builds it
 * (`local/xray/waterfall.ts` extends these with what only it reads), the console draws it
 * (`console/src/trace-layout.ts`); the console, a browser app, imports nothing of the sandbox.
 */

/** One segment or subsegment; times in milliseconds from the waterfall's first start. */
export interface TraceNode {
  readonly id: string;
  /** The parent's id as the document names it (even when that parent was never received). */
  readonly parentId?: string;
  /** What to show: the event's detail-type, `Lambda <function>`, `Step Functions <state machine>`, `DynamoDB Query`, … */
  readonly label: string;
  readonly kind: 'segment' | 'subsegment';
  /** `AWS::Lambda::Function`, `AWS::Events`, `AWS::StepFunctions::StateMachine`, … */
  readonly origin?: string;
  readonly offsetMs: number;
  /** Undefined while the segment is in progress (no end time yet). */
  readonly durationMs?: number;
  readonly inProgress: boolean;
  /** A client error (4xx), a fault (5xx, a function error, a failed execution), a throttle. */
  readonly error: boolean;
  readonly fault: boolean;
  readonly throttle: boolean;
  /** The first exception's `type: message`, when the segment records one. */
  readonly errorMessage?: string;
  /** Spans of other traces this one is linked to (an SQS batch's other producers). */
  readonly links: readonly { readonly traceId: string; readonly id: string }[];
  /** Its parent id names a segment that is not among the documents: it is drawn as a root. */
  readonly missingParent: boolean;
  /** Ordered by start time. */
  readonly children: readonly TraceNode[];
}

/** A trace (or several) as a tree of segments, ready to draw. */
export interface TraceWaterfall {
  readonly traceIds: readonly string[];
  /** From the first start to the last end. */
  readonly durationMs: number;
  readonly nodeCount: number;
  /** Segments without a parent among the documents, ordered by start time. */
  readonly roots: readonly TraceNode[];
}

/** `GET /traces/<correlationId>`'s body. */
export interface IncidentTrace {
  readonly correlationId: string;
  readonly waterfall: TraceWaterfall;
}
