import { createSocket, type Socket } from 'node:dgram';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseDatagram, validateDocument, type SegmentDocument } from './segment-document';

/** A datagram the collector could not read, with the reason (the first few are kept, all are counted). */
export interface UnreadableDatagram {
  readonly reason: string;
  /** The datagram's first 200 characters. */
  readonly excerpt: string;
}

export interface TraceCollectorOptions {
  /** Segment documents kept, in bytes of JSON; documents past it are counted in `stats.dropped`. @default 64 MiB */
  readonly maxBytes?: number;
  /** Unreadable datagrams kept for the report (all are counted). @default 20 */
  readonly maxUnreadableKept?: number;
}

export interface TraceCollectorStats {
  /** Datagrams received on the UDP port. */
  readonly received: number;
  /** Documents kept (received or written by the sandbox itself). */
  readonly accepted: number;
  /** Readable documents not kept because the bound was reached. */
  readonly dropped: number;
  /** Datagrams that were not a daemon header and a segment document. */
  readonly unreadable: number;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The sandbox's X-Ray daemon: a UDP listener on 127.0.0.1 (an ephemeral port) that keeps the segment documents the
 * functions' X-Ray SDK sends (`AWS_XRAY_DAEMON_ADDRESS`), plus those the sandbox writes itself for the services that
 * trace on AWS (Lambda's function segments, EventBridge, Step Functions). Bad datagrams are counted and a few kept
 * with the reason; nothing a function sends can make it throw. Bounded: past `maxBytes` documents are counted only.
 */
export class TraceCollector {
  private readonly kept: SegmentDocument[] = [];
  private bytes = 0;
  private counts = { received: 0, accepted: 0, dropped: 0, unreadable: 0 };
  private lastArrival = 0;
  readonly unreadable: UnreadableDatagram[] = [];

  private constructor(
    private readonly socket: Socket | undefined,
    /** `127.0.0.1:<port>`, the value of `AWS_XRAY_DAEMON_ADDRESS`. */
    readonly address: string,
    private readonly options: TraceCollectorOptions,
  ) {}

  /** Starts listening on 127.0.0.1 (an ephemeral port). */
  static async listen(options: TraceCollectorOptions = {}): Promise<TraceCollector> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const { port } = socket.address();
    const collector = new TraceCollector(socket, `127.0.0.1:${port}`, options);
    socket.on('message', (message) => collector.receive(message));
    // A socket error (none is expected on loopback) must not take the sandbox down: it is counted as unreadable.
    socket.on('error', (error) => collector.noteUnreadable(`socket error: ${error.message}`, ''));
    return collector;
  }

  /** A collector with no socket, for reading documents from a file or tests. */
  static offline(options: TraceCollectorOptions = {}): TraceCollector {
    return new TraceCollector(undefined, '', options);
  }

  get stats(): TraceCollectorStats {
    return { ...this.counts };
  }

  /** The documents kept, in order of arrival (a segment sent in progress and again complete appears twice). */
  documents(): readonly SegmentDocument[] {
    return this.kept;
  }

  /** One datagram of the daemon protocol. */
  receive(datagram: Buffer | string): void {
    this.counts.received++;
    this.lastArrival = Date.now();
    const text = typeof datagram === 'string' ? datagram : datagram.toString('utf8');
    const parsed = parseDatagram(text);
    if (!parsed.ok) {
      this.noteUnreadable(parsed.reason, text);
      return;
    }
    this.keep(parsed.document, Buffer.byteLength(text) - text.indexOf('\n') - 1);
  }

  /** A document the sandbox writes itself (the parts AWS services record); checked like a received one. */
  add(document: SegmentDocument): void {
    const checked = validateDocument(document);
    if (!checked.ok) {
      this.noteUnreadable(`sandbox segment ${document.name}: ${checked.reason}`, JSON.stringify(document));
      return;
    }
    this.keep(checked.document, JSON.stringify(checked.document).length);
  }

  /**
   * Resolves once no datagram has arrived for `quietMs` since the call (functions send theirs as subsegments
   * close, a moment before their invocation answers), or after `timeoutMs`.
   */
  async flush(quietMs = 40, timeoutMs = 2000): Promise<void> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    for (;;) {
      const quietFor = Date.now() - Math.max(this.lastArrival, started);
      if (quietFor >= quietMs || Date.now() >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, quietMs - quietFor));
    }
  }

  /** Writes the kept documents to `file`, one JSON document per line. */
  async writeNdjson(file: string): Promise<void> {
    const kept = this.kept;
    await pipeline(
      Readable.from(
        (function* () {
          for (const document of kept) yield `${JSON.stringify(document)}\n`;
        })(),
      ),
      createWriteStream(file),
    );
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private keep(document: SegmentDocument, bytes: number): void {
    if (this.bytes + bytes > (this.options.maxBytes ?? DEFAULT_MAX_BYTES)) {
      this.counts.dropped++;
      return;
    }
    this.bytes += bytes;
    this.counts.accepted++;
    this.kept.push(document);
  }

  private noteUnreadable(reason: string, text: string): void {
    this.counts.unreadable++;
    if (this.unreadable.length < (this.options.maxUnreadableKept ?? 20)) {
      this.unreadable.push({ reason, excerpt: text.slice(0, 200) });
    }
  }
}
