/**
 * What the sandbox's `/events` stream sends (`local/console/live-events.ts`): one server-sent event per event put
 * on the bus.
 */

/** `event: platform` — an event the platform emitted, with the incident it belongs to and its one-line summary. */
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
}

/** `event: input` — an order or warehouse event from an existing service, compacted to what the ratio counts. */
export interface InputEventMessage {
  readonly time: string;
  readonly detailType: string;
  readonly warehouseId?: string;
  readonly region?: string;
}

/** `event: skipped` — input events not sent to this console because it fell behind (platform events never are). */
export interface SkippedMessage {
  readonly inputs: number;
}

/** `event: finished` — the replay has put its last event on the bus; the sandbox keeps serving. */
export interface FinishedMessage {
  readonly events: number;
}
