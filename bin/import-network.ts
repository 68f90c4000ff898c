#!/usr/bin/env node
/**
 * Imports a fulfillment network file into a deployed platform (or a running sandbox): one `warehouse_updated`
 * event per warehouse on the bus, which the network agent applies to the network table — the same path as a
 * warehouse service's own updates, so the archive keeps them and replays reproduce the network.
 *
 *   npm run network:import -- config/retail-network.json [--bus proactive-agents] [--endpoint-url <url>]
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { putEventsChunks } from '../lambdas/domain/contracts/put-events';
import { networkEvents } from '../scenarios/network-events';

const usage = `Usage: npm run network:import -- <network.json> [--bus <name>] [--endpoint-url <url>] [--time <ISO 8601>]

Puts one warehouse_updated event per warehouse of the file on the bus (default bus: proactive-agents; the
stack's EventBusName output). Credentials and region come from the usual AWS environment.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      bus: { type: 'string', default: 'proactive-agents' },
      'endpoint-url': { type: 'string' },
      time: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const [file] = positionals;
  if (values.help || file === undefined) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const time = values.time ? new Date(values.time) : new Date();
  if (!Number.isFinite(time.getTime()))
    throw new Error(`--time must be an ISO 8601 time, got ${String(values.time)}`);
  const events = networkEvents(path.resolve(process.env.INIT_CWD ?? process.cwd(), file), time);
  const client = new EventBridgeClient(values['endpoint-url'] ? { endpoint: values['endpoint-url'] } : {});

  let put = 0;
  // At most 10 warehouses and 1 MB per request: a warehouse serving thousands of regions is ~100 KB.
  const requests = putEventsChunks(
    events.map((event): PutEventsRequestEntry => ({
      EventBusName: values.bus,
      Source: event.source,
      DetailType: event['detail-type'],
      Time: time,
      Detail: JSON.stringify(event.detail),
    })),
  );
  for (const request of requests) {
    let entries = request;
    // PutEvents answers per entry: retry only the failed ones, with backoff.
    for (let attempt = 0; entries.length > 0; attempt++) {
      if (attempt > 0)
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
      const { Entries = [] } = await client.send(new PutEventsCommand({ Entries: entries }));
      const failed = entries.filter((_, index) => Entries[index]?.ErrorCode !== undefined);
      if (attempt >= 5 && failed.length > 0) {
        const first = Entries.find((entry) => entry.ErrorCode !== undefined);
        throw new Error(
          `${failed.length} warehouse(s) not put: ${first?.ErrorCode ?? ''}: ${first?.ErrorMessage ?? ''}`,
        );
      }
      put += entries.length - failed.length;
      entries = failed;
    }
  }
  console.log(`put ${put} warehouse_updated event(s) on ${values.bus}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
