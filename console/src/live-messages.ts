/**
 * What the sandbox's `/events` stream sends (`local/console/live-events.ts`): one server-sent event per event put
 * on the bus. On AWS the WebSocket channel sends platform events only (`LiveSocketFrame`).
 */

/**
 * `event: platform` — an event the platform emitted, with the incident it belongs to and its one-line summary. The
 * AWS push channel (WebSocket) sends the same message, built by the same code.
 */
export type { LiveSocketFrame, PlatformEventMessage } from '../../lambdas/domain/contracts/live-message';

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
