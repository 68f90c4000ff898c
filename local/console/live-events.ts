import type { ServerResponse } from 'node:http';
import { platformEventMessage } from '../../lambdas/domain/contracts/live-message';
import type { InputEventMessage } from '../../console/src/live-messages';
import type { EventEnvelope } from '../eventbridge/bus';

/** Sources whose events are inputs from existing services (orders, warehouses), not the platform's decisions. */
const INPUT_SOURCES = new Set(['retail.orders', 'retail.warehouses']);

export interface LiveEventsOptions {
  /** Platform events kept for a console that connects later (the newest ones). @default 2000 */
  readonly backlog?: number;
  /**
   * Bytes a connection may have queued before input events are skipped for it (counted, and the count sent when it
   * catches up): a replay of millions of orders must not queue them all for a slow browser. Platform events are
   * always sent. @default 262144
   */
  readonly highWaterBytes?: number;
}

interface Client {
  readonly res: ServerResponse;
  skipped: number;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The bus as server-sent events (`GET /events`): every event put on the local bus goes to every connected console
 * as it happens — `platform` events with their summary, `input` events compacted — so an incident's timeline
 * grows live. A console that connects late gets the platform events so far first.
 */
export class LiveEvents {
  private readonly clients = new Set<Client>();
  private readonly backlog: string[] = [];
  private readonly backlogSize: number;
  private readonly highWaterBytes: number;
  private sent = 0;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(options: LiveEventsOptions = {}) {
    this.backlogSize = options.backlog ?? 2000;
    this.highWaterBytes = options.highWaterBytes ?? 256 * 1024;
    // A comment line now and then, so that nothing between here and the browser drops a quiet stream (while the
    // replay waits for an approval, nothing else is sent).
    this.keepAlive = setInterval(() => {
      for (const client of this.clients) client.res.write(': keep-alive\n\n');
    }, 15_000).unref();
  }

  /** Connected consoles. */
  get connections(): number {
    return this.clients.size;
  }

  /** Serves one console: the SSE headers, the backlog, then every event until the browser goes away. */
  connect(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    // Reconnect after 1 s when the connection drops (EventSource's default is 3 s).
    res.write('retry: 1000\n\n');
    for (const frame of this.backlog) res.write(frame);
    const client: Client = { res, skipped: 0 };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
  }

  /** A subscriber for `LocalEventBus.onEvent`: sends the event to every console. */
  readonly publish = (event: EventEnvelope): void => {
    if (INPUT_SOURCES.has(event.source)) {
      // Inputs are not kept for later consoles: with none connected, a replay of millions costs nothing here.
      if (this.clients.size === 0) return;
      const frame = this.frame('input', inputMessage(event));
      for (const client of this.clients) {
        if (client.res.writableLength > this.highWaterBytes) client.skipped++;
        else this.write(client, frame);
      }
      return;
    }
    const frame = this.frame('platform', platformEventMessage(event));
    this.backlog.push(frame);
    if (this.backlog.length > this.backlogSize) this.backlog.shift();
    for (const client of this.clients) this.write(client, frame);
  };

  /** A notice to every console (e.g. the run finished). */
  notify(kind: string, message: unknown): void {
    const frame = this.frame(kind, message);
    for (const client of this.clients) this.write(client, frame);
  }

  /** Ends every connection (on shutdown). */
  close(): void {
    clearInterval(this.keepAlive);
    for (const client of this.clients) client.res.end();
    this.clients.clear();
  }

  private write(client: Client, frame: string): void {
    if (client.skipped > 0) {
      client.res.write(this.frame('skipped', { inputs: client.skipped }));
      client.skipped = 0;
    }
    client.res.write(frame);
  }

  private frame(kind: string, message: unknown): string {
    return `id: ${++this.sent}\nevent: ${kind}\ndata: ${JSON.stringify(message)}\n\n`;
  }
}

function inputMessage(event: EventEnvelope): InputEventMessage {
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  const warehouseId = text(detail.warehouseId);
  const region = text(detail.region);
  return {
    time: event.time,
    detailType: event['detail-type'],
    ...(warehouseId === undefined ? {} : { warehouseId }),
    ...(region === undefined ? {} : { region }),
  };
}
