/**
 * Generates the governed scenario (`npm start -- --scenario governed`): under four hours of orders at four
 * warehouses with two incidents, and the governance configuration the sandbox serves for it — the default one
 * (config/governance.json) plus an approval policy: every reroute waits for a person.
 *
 * - WH-ATL's customers cancel from 10:20 to 10:50: the plan (ticket, intake pause, reroute) runs, the reroute after
 *   its approval (`npm run approve`), and moves ATL's open orders to WH-CLT and WH-PHL.
 * - WH-DEN's customers cancel from 10:55 to 11:25: the same plan, but no other warehouse ships to DEN's customer
 *   regions, so the approved reroute fails at once (RerouteNotPlannable) and the saga compensates in reverse:
 *   resume DEN's intake, close the ticket.
 *
 *   npx tsx scenarios/generate-governed.ts     # writes scenarios/governed/{events.ndjson,governance.json}
 *
 * Deterministic: a seeded PRNG (mulberry32), never Math.random, so the files only change when this script does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Draw, mulberry32 } from './draw';
import {
  cancelDuring,
  orderEvents,
  placeEverydayOrders,
  readNetwork,
  toNdjson,
  type CatalogItem,
  type RetailEnvelope,
  type RetailNetwork,
} from './generate-walkthrough';

export const governedDir = join(__dirname, 'governed');
export const governedPaths = {
  events: join(governedDir, 'events.ndjson'),
  network: join(governedDir, 'network.json'),
  governance: join(governedDir, 'governance.json'),
} as const;

/** The scenario's timeline; tests read it instead of repeating the times. */
export const governed = {
  seed: 20261121,
  start: '2026-11-20T08:00:00Z',
  end: '2026-11-20T11:45:00Z',
  incidents: [
    /** Reroutable: WH-CLT and WH-PHL serve ATL's customers. */
    { warehouseId: 'WH-ATL', start: '2026-11-20T10:20:00Z', end: '2026-11-20T10:50:00Z' },
    /** Not reroutable: nobody else ships to us-mountain or us-plains. */
    { warehouseId: 'WH-DEN', start: '2026-11-20T10:55:00Z', end: '2026-11-20T11:25:00Z' },
  ],
  /** The approval policy the scenario adds to the default configuration. */
  approvalPolicy:
    '\n// The governed scenario: a person approves every reroute before it runs.\n@id("reroutes-need-approval")\nforbid (principal, action == Action::"reroute_orders", resource);\n',
} as const;

/** Orders per minute at each warehouse, and the share of them from the warehouse's own customer region. */
const traffic: Record<string, { perMinute: number; ownRegionShare: number }> = {
  'WH-ATL': { perMinute: 2.6, ownRegionShare: 0.85 },
  'WH-CLT': { perMinute: 1.8, ownRegionShare: 0.85 },
  'WH-PHL': { perMinute: 2.0, ownRegionShare: 0.85 },
  // A quarter of DEN's orders go to us-plains: cancellations in both of its regions point at the warehouse.
  'WH-DEN': { perMinute: 2.2, ownRegionShare: 0.75 },
};
/** Everyday share of orders cancelled later, and delayed-shipment cancellations per order during an incident. */
const baselineCancellation = 0.045;
const incidentCancellationsPerOrder = 0.4;

const catalog: readonly CatalogItem[] = [
  { sku: 'SKU-20114', price: 14.99 },
  { sku: 'SKU-20387', price: 27.5 },
  { sku: 'SKU-21052', price: 8.25 },
  { sku: 'SKU-21740', price: 52.0 },
  { sku: 'SKU-22319', price: 4.49 },
  { sku: 'SKU-23608', price: 19.75 },
  { sku: 'SKU-24455', price: 79.9 },
  { sku: 'SKU-25093', price: 11.0 },
];

/** Builds the scenario's events, sorted by `time` (ties keep generation order: an order before its events). */
export function generateGoverned(network: RetailNetwork, seed: number = governed.seed): RetailEnvelope[] {
  const draw = new Draw(mulberry32(seed));
  const start = Date.parse(governed.start);
  const end = Date.parse(governed.end);
  const orders = placeEverydayOrders(network, { start, end }, catalog, draw, (warehouseId) => {
    const { perMinute, ownRegionShare } = traffic[warehouseId] ?? { perMinute: 1, ownRegionShare: 0.85 };
    return {
      ordersPerMinute: () => perMinute,
      ownRegionShare,
      cancellationShare: () => baselineCancellation,
    };
  });

  for (const incident of governed.incidents) {
    cancelDuring(incident, orders, incidentCancellationsPerOrder, draw);
  }
  return orderEvents(orders, draw);
}

/**
 * The scenario's governance configuration: the default one with the approval policy added (so the scenario
 * follows every other change of the defaults when regenerated), as the sandbox's AppConfig serves it.
 */
export function governedGovernance(defaults: string): string {
  const config = JSON.parse(defaults) as { policies: { approval: string } };
  config.policies.approval += governed.approvalPolicy;
  return `${JSON.stringify(config, null, 2)}\n`;
}

export const defaultGovernancePath = join(__dirname, '..', 'config', 'governance.json');

if (require.main === module) {
  const events = generateGoverned(readNetwork(governedPaths.network));
  writeFileSync(governedPaths.events, toNdjson(events));
  writeFileSync(governedPaths.governance, governedGovernance(readFileSync(defaultGovernancePath, 'utf8')));
  const tally = new Map<string, number>();
  for (const e of events) {
    const key = `${e.detail.warehouseId} ${e['detail-type']}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  console.log(`wrote ${events.length} events to ${governedPaths.events}, and ${governedPaths.governance}`);
  for (const [key, count] of [...tally].sort()) console.log(`  ${key}: ${count}`);
}
