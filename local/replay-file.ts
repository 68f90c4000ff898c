import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EventArchive } from './eventbridge/archive';
import { streamEvents, timeRangeOf, type ReplayInput } from './cli-input';
import { poisonPillEvent } from './faults';
import { Sandbox, type RejectedInput, type ReplayStats, type SandboxOptions } from './sandbox';

/** How far out of event-time order an input event may arrive and still be replayed in order. */
export const REORDER_SECONDS = 1800;

export interface FileReplayOptions extends Omit<SandboxOptions, 'startTime'> {
  /** The poison-pill drill: one poisonous `order_placed` in the middle of the file's time range. @default false */
  readonly poisonPill?: boolean;
  /** Called once the sandbox is up, before the replay (e.g. to watch it). */
  readonly onStart?: (sandbox: Sandbox) => void;
  /**
   * Events put on the bus a minute before the file's first event, e.g. the reference data its producers would
   * already have published (the fulfillment network). @default - none
   */
  readonly prelude?: ((time: Date) => readonly unknown[]) | undefined;
  /** Wraps the input stream, e.g. to pace it in real time for a person watching (`npm run console`). @default - none */
  readonly pace?: (inputs: AsyncIterable<ReplayInput>) => AsyncIterable<ReplayInput>;
}

export interface FileReplay {
  /** The sandbox after the replay, still running: the caller reports from it, then stops it. */
  readonly sandbox: Sandbox;
  readonly stats: ReplayStats;
  /** Lines that were not JSON (also in `sandbox.rejectedInputs`, with their line numbers). */
  readonly unreadable: number;
}

/**
 * `npm start -- --events <file>`: starts the sandbox and replays an NDJSON file through it, streamed line by
 * line — whatever the file's size, only the events of the reorder window are held.
 */
export async function replayFile(file: string, options: FileReplayOptions): Promise<FileReplay> {
  const rejected: RejectedInput[] = [];
  let onRejected = (input: RejectedInput): void => {
    rejected.push(input);
  };
  const stream = streamEvents(file, (input) => onRejected(input));
  // The first timed event sets the clock's start, early enough for the events of the reorder window.
  const prefix: ReplayInput[] = [];
  for (let next = await stream.next(); !next.done; next = await stream.next()) {
    prefix.push(next.value);
    if (Number.isFinite(next.value.time)) break;
  }
  const firstTime = prefix.at(-1)?.time ?? Number.NaN;
  const range = options.poisonPill ? await timeRangeOf(file) : undefined;
  const { prelude } = options;
  const sandbox = await Sandbox.start({
    // A file may hold millions of orders: the tables go to disk, not into the process's memory.
    tablesOnDisk: true,
    ...options,
    startTime: Number.isFinite(firstTime) ? firstTime - REORDER_SECONDS * 1000 - 1000 : undefined,
  });
  try {
    options.onStart?.(sandbox);
    for (const input of rejected) sandbox.rejectedInputs.push(input);
    let unreadable = rejected.length;
    onRejected = (input) => {
      unreadable++;
      sandbox.rejectedInputs.push(input);
    };
    async function* inputs(): AsyncGenerator<ReplayInput> {
      if (range) {
        const middle = range.first + (range.last - range.first) / 2;
        yield { raw: poisonPillEvent(middle), time: middle, line: 0 };
      }
      if (prelude && Number.isFinite(firstTime)) {
        const at = firstTime - 60_000;
        for (const raw of prelude(new Date(at))) yield { raw, time: at, line: 0 };
      }
      yield* prefix;
      yield* stream;
    }
    const paced = options.pace ? options.pace(inputs()) : inputs();
    const stats = await sandbox.replay(paced, 60, 86_400, { reorderSeconds: REORDER_SECONDS });
    return { sandbox, stats, unreadable };
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
}

/** `--out`: writes every archived event, one JSON envelope per line, streamed with backpressure. */
export async function writeArchive(archive: EventArchive, file: string): Promise<void> {
  await pipeline(
    Readable.from(
      (function* () {
        for (const event of archive) yield JSON.stringify(event) + '\n';
      })(),
    ),
    createWriteStream(file),
  );
}
