import type { ParsedEvent } from '../contracts/parse';
import { InvalidEventTime, InvalidWindowLength, MonitoringError } from './errors';

/** One retail fact as the monitoring agent counts it; `time` is the envelope's event time, not arrival time. */
export interface OrderFact {
  kind: 'placed' | 'cancelled';
  orderId: string;
  warehouseId: string;
  region: string;
  /** ISO 8601 event time. */
  time: string;
}

/** The fact an `order_placed` or `order_cancelled` event states, as the monitoring agent counts it. */
export function orderFactOf(event: ParsedEvent<'order_placed' | 'order_cancelled'>): OrderFact {
  return {
    kind: event.detailType === 'order_placed' ? 'placed' : 'cancelled',
    orderId: event.detail.orderId,
    warehouseId: event.detail.warehouseId,
    region: event.detail.region,
    time: event.time,
  };
}

/** Counts of one scope in one event-time window: the unit the handler adds to a DynamoDB counter item. */
export interface WindowCount {
  /** `warehouse#<warehouseId>` or `region#<customer region>`. */
  scope: string;
  /** UTC-aligned ISO start of the window, e.g. `2026-11-20T10:35:00Z`. */
  windowStart: string;
  placed: number;
  cancelled: number;
}

export type ScopeType = 'warehouse' | 'region';

const MINUTE_MS = 60_000;
const MINUTES_PER_DAY = 1440;

export const warehouseScope = (warehouseId: string): string => `warehouse#${warehouseId}`;
export const regionScope = (region: string): string => `region#${region}`;
/**
 * The orders of one customer region served by one warehouse: counted beside the warehouse and region scopes so a
 * region's anomaly can be attributed to its warehouses (never an incident scope of its own).
 */
export const cellScope = (region: string, warehouseId: string): string => `cell#${region}#${warehouseId}`;

/** Splits `warehouse#WH-NYC` into its type and id (the shape of `order_cancellation_spike`'s `scope`). */
export function parseScope(scope: string): { type: ScopeType; id: string } {
  const hash = scope.indexOf('#');
  const type = scope.slice(0, hash);
  const id = scope.slice(hash + 1);
  if (hash < 0 || id.length === 0 || (type !== 'warehouse' && type !== 'region')) {
    throw new MonitoringError(
      `invalid scope ${JSON.stringify(scope)}: expected warehouse#<id> or region#<id>`,
    );
  }
  return { type, id };
}

/** The default scopes of a fact: its warehouse only. Pass {@link warehouseAndRegionScopes} to count regions too. */
export const warehouseScopes = (fact: OrderFact): string[] => [warehouseScope(fact.warehouseId)];
export const warehouseAndRegionScopes = (fact: OrderFact): string[] => [
  warehouseScope(fact.warehouseId),
  regionScope(fact.region),
];

function windowMs(windowMinutes: number): number {
  // Windows that tile the UTC day start at the same instants for every writer and every day.
  if (!Number.isInteger(windowMinutes) || windowMinutes <= 0 || MINUTES_PER_DAY % windowMinutes !== 0) {
    throw new InvalidWindowLength(windowMinutes);
  }
  return windowMinutes * MINUTE_MS;
}

/** Milliseconds since the epoch of an ISO 8601 instant; throws {@link InvalidEventTime} otherwise. */
export function epochMsOf(timeIso: string): number {
  const ms = typeof timeIso === 'string' ? Date.parse(timeIso) : Number.NaN;
  if (!Number.isFinite(ms)) throw new InvalidEventTime(timeIso);
  return ms;
}

/** `2026-11-20T10:35:00Z`: second precision, like EventBridge's `time`, so keys read the same everywhere. */
export function isoOf(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The start of the UTC-aligned window that contains `timeIso`.
 *
 * @example windowStartOf('2026-11-20T10:37:12Z', 5) === '2026-11-20T10:35:00Z'
 */
export function windowStartOf(timeIso: string, windowMinutes: number): string {
  const size = windowMs(windowMinutes);
  const ms = epochMsOf(timeIso);
  return isoOf(Math.floor(ms / size) * size);
}

/** The window `count` windows after (negative: before) the one containing `windowStart`. */
export function addWindows(windowStart: string, count: number, windowMinutes: number): string {
  const size = windowMs(windowMinutes);
  return isoOf(Math.floor(epochMsOf(windowStart) / size) * size + count * size);
}

/** Whole windows from the window containing `from` to the one containing `to` (negative when `to` is earlier). */
export function windowsBetween(from: string, to: string, windowMinutes: number): number {
  const size = windowMs(windowMinutes);
  return Math.floor(epochMsOf(to) / size) - Math.floor(epochMsOf(from) / size);
}
