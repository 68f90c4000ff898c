import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ownedTempDir } from '../owned-temp-dir';
import type { EventEnvelope } from './bus';

/** Events kept in memory before the archive spills them to its file. */
const DEFAULT_MEMORY_LIMIT = 20_000;
const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Every event put on the bus, in the order the bus accepted them — what `StartReplay`, `--out` and the timeline
 * read. The newest events stay in memory; past `memoryLimit` they are appended to a spill file (NDJSON in a
 * temporary directory), so a replay of millions of events holds a bounded number of them. Iterating reads the
 * spill file back in chunks, then the events still in memory.
 */
export class EventArchive implements Iterable<EventEnvelope> {
  private recent: EventEnvelope[] = [];
  private spilled = 0;
  private spillDir: string | undefined;
  private spillFd: number | undefined;

  constructor(private readonly memoryLimit = DEFAULT_MEMORY_LIMIT) {}

  /** How many events the archive holds. */
  get length(): number {
    return this.spilled + this.recent.length;
  }

  /** How many events are held in memory (the rest are in the spill file). */
  get inMemory(): number {
    return this.recent.length;
  }

  push(event: EventEnvelope): void {
    this.recent.push(event);
    if (this.recent.length >= this.memoryLimit) this.spill();
  }

  *[Symbol.iterator](): Iterator<EventEnvelope> {
    if (this.spillFd !== undefined && this.spilled > 0) {
      // The events in memory now are the ones after the spilled ones; a spill during iteration appends after them.
      const recent = this.recent;
      const spilledBefore = this.spilled;
      let read = 0;
      for (const line of this.spilledLines(this.spillFd)) {
        if (read++ >= spilledBefore) break;
        yield JSON.parse(line) as EventEnvelope;
      }
      yield* recent;
      return;
    }
    const recent = this.recent;
    yield* recent;
  }

  filter(predicate: (event: EventEnvelope) => boolean): EventEnvelope[] {
    const kept: EventEnvelope[] = [];
    for (const event of this) if (predicate(event)) kept.push(event);
    return kept;
  }

  find(predicate: (event: EventEnvelope) => boolean): EventEnvelope | undefined {
    for (const event of this) if (predicate(event)) return event;
    return undefined;
  }

  /** Deletes the spill file. */
  close(): void {
    if (this.spillFd !== undefined) closeSync(this.spillFd);
    if (this.spillDir) rmSync(this.spillDir, { recursive: true, force: true });
    this.spillFd = undefined;
    this.spillDir = undefined;
  }

  private spill(): void {
    if (this.spillFd === undefined) {
      this.spillDir = ownedTempDir('sandbox-archive-');
      this.spillFd = openSync(path.join(this.spillDir, 'events.ndjson'), 'w+');
    }
    const text = this.recent.map((event) => JSON.stringify(event)).join('\n') + '\n';
    writeSync(this.spillFd, text);
    this.spilled += this.recent.length;
    this.recent = [];
  }

  private *spilledLines(fd: number): Generator<string> {
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    const decoder = new StringDecoder('utf8');
    let carry = '';
    for (let position = 0; ;) {
      const bytes = readSync(fd, buffer, 0, buffer.length, position);
      if (bytes === 0) break;
      position += bytes;
      const text = carry + decoder.write(buffer.subarray(0, bytes));
      const end = text.lastIndexOf('\n');
      // What follows the last newline waits for the rest of its line.
      carry = text.slice(end + 1);
      if (end >= 0) yield* text.slice(0, end).split('\n');
    }
    carry += decoder.end();
    if (carry !== '') yield carry;
  }
}
