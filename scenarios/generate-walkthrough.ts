/**
 * Generates the retail walk-through: five hours of `order_placed` / `order_cancelled` events from six warehouses,
 * with a cancellation spike at WH-NYC from 10:30 to 11:00, the same fault again from 12:00 to 12:25, and a
 * promotion at WH-LAX (more orders and more cancellations, same ratio) that must not alarm.
 *
 *   npx tsx scenarios/generate-walkthrough.ts        # writes scenarios/retail-walkthrough.ndjson
 *
 * Deterministic: a seeded PRNG (mulberry32), never Math.random, so the file only changes when this script does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Draw, mulberry32 } from './draw';

export { mulberry32 };

export interface OrderPlacedDetail {
  orderId: string;
  customerId: string;
  warehouseId: string;
  region: string;
  items: { sku: string; quantity: number }[];
  total: number;
}

export interface OrderCancelledDetail {
  orderId: string;
  warehouseId: string;
  region: string;
  reason: string;
}

/** An EventBridge envelope exactly as the order services put it on the bus. */
export type RetailEnvelope = {
  version: '0';
  id: string;
  source: 'retail.orders';
  account: string;
  time: string;
  region: string;
  resources: string[];
} & (
  | { 'detail-type': 'order_placed'; detail: OrderPlacedDetail }
  | { 'detail-type': 'order_cancelled'; detail: OrderCancelledDetail }
);

export interface RetailNetwork {
  warehouses: {
    warehouseId: string;
    region: string;
    capacity: number;
    shippingCost: Record<string, number>;
  }[];
}

/** The scenario's timeline; tests read it instead of repeating the times. */
export const walkthrough = {
  seed: 20261120,
  start: '2026-11-20T08:00:00Z',
  end: '2026-11-20T13:00:00Z',
  spike: { warehouseId: 'WH-NYC', start: '2026-11-20T10:30:00Z', end: '2026-11-20T11:00:00Z' },
  /** The same fault again: the platform should recognise the incident it solved and reuse its remediation. */
  recurrence: { warehouseId: 'WH-NYC', start: '2026-11-20T12:00:00Z', end: '2026-11-20T12:25:00Z' },
  promotion: { warehouseId: 'WH-LAX', start: '2026-11-20T09:15:00Z', end: '2026-11-20T10:15:00Z' },
} as const;

/** Orders per minute at each warehouse before the ramp (bigger warehouses take more). */
export const baseOrdersPerMinute: Readonly<Record<string, number>> = {
  'WH-NYC': 2.6,
  'WH-BOS': 1.6,
  'WH-CHI': 2.2,
  'WH-DAL': 1.5,
  'WH-SEA': 1.3,
  'WH-LAX': 2.4,
};

/** Everyday share of orders cancelled later (customer request or failed payment). */
const baselineCancellation: Record<string, number> = {
  'WH-NYC': 0.045,
  'WH-BOS': 0.04,
  'WH-CHI': 0.05,
  'WH-DAL': 0.045,
  'WH-SEA': 0.035,
  'WH-LAX': 0.045,
};

/** Order rate multiplier during the promotion, and the (barely higher) share of promotion orders cancelled. */
const promotionLift = 2.5;
const promotionCancellation = 0.055;
/** Delayed-shipment cancellations per order placed during the spike, on top of the everyday ones. */
const spikeCancellationsPerOrder = 0.38;
/** Share of a warehouse's orders that come from its own customer region. */
const ownRegionShare = 0.85;

const catalog: readonly CatalogItem[] = [
  { sku: 'SKU-10231', price: 12.99 },
  { sku: 'SKU-10487', price: 24.5 },
  { sku: 'SKU-11002', price: 7.25 },
  { sku: 'SKU-11873', price: 49.0 },
  { sku: 'SKU-12040', price: 3.99 },
  { sku: 'SKU-12519', price: 18.75 },
  { sku: 'SKU-13366', price: 89.9 },
  { sku: 'SKU-14105', price: 15.0 },
  { sku: 'SKU-14932', price: 32.4 },
  { sku: 'SKU-15578', price: 5.49 },
  { sku: 'SKU-16201', price: 64.0 },
  { sku: 'SKU-17044', price: 9.99 },
];

const MINUTE_MS = 60_000;
const ACCOUNT = '123456789012';
const AWS_REGION = 'us-east-1';

export interface PlacedOrder {
  detail: OrderPlacedDetail;
  at: number;
  cancellation?: { at: number; reason: string };
}

export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const within = (ms: number, window: { start: string; end: string }): boolean =>
  ms >= Date.parse(window.start) && ms < Date.parse(window.end);

/** Builds the scenario's events, sorted by `time` (ties keep generation order: an order before its events). */
export function generateWalkthrough(
  network: RetailNetwork,
  seed: number = walkthrough.seed,
): RetailEnvelope[] {
  const draw = new Draw(mulberry32(seed));
  const start = Date.parse(walkthrough.start);
  const end = Date.parse(walkthrough.end);

  const promoted = (warehouseId: string, minute: number): boolean =>
    warehouseId === walkthrough.promotion.warehouseId && within(minute, walkthrough.promotion);
  const orderRate = (warehouseId: string, minute: number): number => {
    const ramp = 0.85 + (0.3 * (minute - start)) / (end - start); // the morning picks up, mildly
    const promotion = promoted(warehouseId, minute) ? promotionLift : 1;
    return (baseOrdersPerMinute[warehouseId] ?? 1) * ramp * promotion;
  };

  const orders = placeEverydayOrders(network, { start, end }, catalog, draw, (warehouseId) => ({
    ordersPerMinute: (minute) => orderRate(warehouseId, minute),
    ownRegionShare,
    cancellationShare: (minute) =>
      promoted(warehouseId, minute) ? promotionCancellation : (baselineCancellation[warehouseId] ?? 0.04),
  }));

  // The spikes: a delayed warehouse makes customers cancel orders it still holds.
  for (const spike of [walkthrough.spike, walkthrough.recurrence]) {
    cancelDuring(spike, orders, spikeCancellationsPerOrder, draw);
  }

  return orderEvents(orders, draw);
}

/** An article a scenario's customers order, at its unit price. */
export interface CatalogItem {
  readonly sku: string;
  readonly price: number;
}

/** How a scenario's everyday orders arrive at one warehouse. */
export interface EverydayTraffic {
  /** Mean orders in the minute that starts at `minute` (epoch ms). */
  readonly ordersPerMinute: (minute: number) => number;
  /** Share of the orders from the warehouse's own customer region; the rest come from the regions it also serves. */
  readonly ownRegionShare: number;
  /** Share of the orders placed in the minute that starts at `minute` that customers cancel later. */
  readonly cancellationShare: (minute: number) => number;
}

/**
 * Everyday orders at each warehouse of `network` from `start` to `end`: a Poisson count a minute at uniformly drawn
 * seconds, one to three catalogue lines each, and the share `trafficAt` names cancelled later — a failed payment
 * within 1–4 minutes or a customer request within 3–40 — when that is still before `end`.
 */
export function placeEverydayOrders(
  network: RetailNetwork,
  window: { readonly start: number; readonly end: number },
  catalog: readonly CatalogItem[],
  draw: Draw,
  trafficAt: (warehouseId: string) => EverydayTraffic,
): PlacedOrder[] {
  const { start, end } = window;
  const orderIds = new Set<string>();
  const orders: PlacedOrder[] = [];
  for (const warehouse of network.warehouses) {
    const traffic = trafficAt(warehouse.warehouseId);
    const otherRegions = Object.keys(warehouse.shippingCost).filter((r) => r !== warehouse.region);
    for (let minute = start; minute < end; minute += MINUTE_MS) {
      const seconds = Array.from({ length: draw.poisson(traffic.ordersPerMinute(minute)) }, () =>
        draw.integer(0, 59),
      ).sort((a, b) => a - b);
      for (const second of seconds) {
        const at = minute + second * 1000;
        let orderId = `ord-${draw.hex(12)}`;
        while (orderIds.has(orderId)) orderId = `ord-${draw.hex(12)}`;
        orderIds.add(orderId);
        const region =
          otherRegions.length === 0 || draw.uniform() < traffic.ownRegionShare
            ? warehouse.region
            : draw.pick(otherRegions);
        const items = Array.from({ length: draw.integer(1, 3) }, () => ({
          item: draw.pick(catalog),
          quantity: draw.uniform() < 0.7 ? 1 : draw.integer(2, 3),
        }));
        const total = Math.round(
          items.reduce((sum, { item, quantity }) => sum + item.price * quantity, 0) * 100,
        );
        const order: PlacedOrder = {
          at,
          detail: {
            orderId,
            customerId: `cust-${draw.integer(100000, 999999)}`,
            warehouseId: warehouse.warehouseId,
            region,
            items: items.map(({ item, quantity }) => ({ sku: item.sku, quantity })),
            total: total / 100,
          },
        };
        if (draw.uniform() < traffic.cancellationShare(minute)) {
          const paymentFailed = draw.uniform() < 0.35;
          const delayMinutes = paymentFailed ? 1 + draw.uniform() * 3 : 3 + draw.uniform() * 37;
          const cancelAt = at + Math.round(delayMinutes * 60) * 1000;
          if (cancelAt < end) {
            order.cancellation = {
              at: cancelAt,
              reason: paymentFailed ? 'payment_failed' : 'customer_request',
            };
          }
        }
        orders.push(order);
      }
    }
  }
  return orders;
}

/**
 * A warehouse incident: its customers cancel orders it still holds (placed there, not yet cancelled). Drawn per
 * order placed during the incident, so the window ratio follows the actual order count.
 */
export function cancelDuring(
  incident: { readonly warehouseId: string; readonly start: string; readonly end: string },
  orders: readonly PlacedOrder[],
  cancellationsPerOrder: number,
  draw: Draw,
): void {
  const atWarehouse = orders.filter((o) => o.detail.warehouseId === incident.warehouseId);
  const incidentEnd = Date.parse(incident.end);
  const cancellations = atWarehouse
    .filter((o) => within(o.at, incident) && draw.uniform() < cancellationsPerOrder)
    .map((o) => Math.min(o.at + draw.integer(0, 59) * 1000, incidentEnd - 1000))
    .sort((a, b) => a - b);
  for (const at of cancellations) {
    const open = atWarehouse.filter(
      (o) => o.at <= at - MINUTE_MS && o.at >= at - 90 * MINUTE_MS && (o.cancellation?.at ?? Infinity) > at,
    );
    if (open.length > 0) draw.pick(open).cancellation = { at, reason: 'warehouse_delay' };
  }
}

/** The orders as EventBridge envelopes, sorted by `time` (ties keep generation order: an order before its events). */
export function orderEvents(orders: readonly PlacedOrder[], draw: Draw): RetailEnvelope[] {
  const envelope = (at: number, event: Pick<RetailEnvelope, 'detail-type' | 'detail'>): RetailEnvelope =>
    ({
      version: '0',
      id: draw.uuid(),
      'detail-type': event['detail-type'],
      source: 'retail.orders',
      account: ACCOUNT,
      time: isoSeconds(at),
      region: AWS_REGION,
      resources: [],
      detail: event.detail,
    }) as RetailEnvelope;
  const events: { at: number; seq: number; event: RetailEnvelope }[] = [];
  for (const order of orders) {
    events.push({
      at: order.at,
      seq: events.length,
      event: envelope(order.at, { 'detail-type': 'order_placed', detail: order.detail }),
    });
    const { cancellation } = order;
    if (cancellation === undefined) continue;
    // The customer region of the order (`us-east`), not the AWS region of the envelope.
    const { orderId, warehouseId, region } = order.detail;
    events.push({
      at: cancellation.at,
      seq: events.length,
      event: envelope(cancellation.at, {
        'detail-type': 'order_cancelled',
        detail: { orderId, warehouseId, region, reason: cancellation.reason },
      }),
    });
  }
  return events.sort((a, b) => a.at - b.at || a.seq - b.seq).map(({ event }) => event);
}

/** One JSON envelope per line, newline-terminated. */
export const toNdjson = (events: readonly RetailEnvelope[]): string =>
  events.map((event) => JSON.stringify(event)).join('\n') + '\n';

export const networkPath = join(__dirname, '..', 'config', 'retail-network.json');
export const walkthroughPath = join(__dirname, 'retail-walkthrough.ndjson');

export function readNetwork(path: string = networkPath): RetailNetwork {
  return JSON.parse(readFileSync(path, 'utf8')) as RetailNetwork;
}

if (require.main === module) {
  const events = generateWalkthrough(readNetwork());
  writeFileSync(walkthroughPath, toNdjson(events));
  const tally = new Map<string, number>();
  for (const e of events) {
    const key = `${e.detail.warehouseId} ${e['detail-type']}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  console.log(`wrote ${events.length} events to ${walkthroughPath}`);
  for (const [key, count] of [...tally].sort()) console.log(`  ${key}: ${count}`);
}
