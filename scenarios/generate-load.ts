/**
 * A seeded load generator for scale runs: `count` retail events spread evenly over `days`, across the
 * warehouses of config/retail-network.json, with a steady 4% cancellation ratio (no incident: this is about
 * throughput, not detection). Run directly to write NDJSON:
 *
 *   npx tsx scenarios/generate-load.ts --count 500000 --days 7 --out .sandbox/load.ndjson
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32 } from './draw';
import { itemAt } from './lookup';

export interface LoadOptions {
  readonly count: number;
  readonly days: number;
  readonly seed?: number | undefined;
  readonly start?: string;
}

interface Warehouse {
  readonly warehouseId: string;
  readonly region: string;
}

const warehouses = (): Warehouse[] =>
  (
    JSON.parse(readFileSync(path.join(__dirname, '..', 'config', 'retail-network.json'), 'utf8')) as {
      warehouses: Warehouse[];
    }
  ).warehouses;

/** Yields EventBridge envelopes in event-time order. */
export function* generateLoad(options: LoadOptions): Generator<Record<string, unknown>> {
  const next = mulberry32(options.seed ?? 20261127);
  const sites = warehouses();
  const start = Date.parse(options.start ?? '2026-11-01T00:00:00Z');
  const step = (options.days * 86_400_000) / options.count;
  const open: { orderId: string; warehouse: Warehouse }[] = [];
  for (let i = 0; i < options.count; i++) {
    const time = new Date(start + Math.floor(i * step)).toISOString();
    const cancel = open.length > 20 && next() < 0.04;
    const envelope = {
      version: '0',
      id: `load-${i}`,
      source: 'retail.orders',
      account: '123456789012',
      time,
      region: 'us-east-1',
      resources: [],
    };
    if (cancel) {
      const order = itemAt(open.splice(Math.floor(next() * open.length), 1), 0, 'open order');
      yield {
        ...envelope,
        'detail-type': 'order_cancelled',
        detail: {
          orderId: order.orderId,
          warehouseId: order.warehouse.warehouseId,
          region: order.warehouse.region,
          reason: 'customer_request',
        },
      };
      continue;
    }
    const warehouse = itemAt(sites, Math.floor(next() * sites.length), 'warehouse');
    const orderId = `ord-${i.toString(36)}`;
    open.push({ orderId, warehouse });
    if (open.length > 5_000) open.shift();
    yield {
      ...envelope,
      'detail-type': 'order_placed',
      detail: {
        orderId,
        customerId: `cust-${Math.floor(next() * 100_000)}`,
        warehouseId: warehouse.warehouseId,
        region: warehouse.region,
        items: [{ sku: `SKU-${Math.floor(next() * 500)}`, quantity: 1 + Math.floor(next() * 3) }],
        total: Math.round(next() * 20_000) / 100,
      },
    };
  }
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
    },
  });
  // Written in chunks: a run of millions of events never holds the whole file.
  const out = values.out ?? 'load.ndjson';
  writeFileSync(out, '');
  let chunk: string[] = [];
  let written = 0;
  for (const event of generateLoad({
    count: Number(values.count ?? 500_000),
    days: Number(values.days ?? 7),
    seed: values.seed ? Number(values.seed) : undefined,
  })) {
    chunk.push(JSON.stringify(event));
    if (chunk.length === 10_000) {
      appendFileSync(out, chunk.join('\n') + '\n');
      written += chunk.length;
      chunk = [];
    }
  }
  if (chunk.length > 0) appendFileSync(out, chunk.join('\n') + '\n');
  console.log(`wrote ${written + chunk.length} events to ${out}`);
}
