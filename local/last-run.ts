import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { DynaliteThread } from './dynamodb/dynalite-thread';
import { ownedTempDir } from './owned-temp-dir';
import { sandboxDir } from './sandbox-dir';
import type { EventEnvelope } from './eventbridge/bus';
import type { ResolvedTemplate } from './template';
import type { TraceCollector } from './xray/collector';
import { validateDocument, type SegmentDocument } from './xray/segment-document';

/**
 * The last `npm start`, kept for inspection after the process exits: its DynamoDB tables (dynalite's LevelDB)
 * and a manifest with the stack's outputs as the sandbox resolved them and the incidents of the run. Each run
 * writes its own directory beside it, then takes its place when done, so concurrent runs never share tables.
 */
export interface RunManifest {
  readonly version: 1;
  /** Wall-clock time the run finished. */
  readonly finishedAt: string;
  /** The replayed file. */
  readonly events: string;
  /** The template's outputs, resolved as in the sandbox (e.g. `EpisodicTableName`). */
  readonly outputs: Readonly<Record<string, string>>;
  /** The region the sandbox ran in. */
  readonly region: string;
  /** Correlation ids of the platform's events, in order of first appearance: the run's incidents. */
  readonly incidents: readonly string[];
}

const MANIFEST = 'run.json';
const TABLES = 'dynamodb';
/** The run's X-Ray segment documents, one per line (bounded by the collector's `maxBytes`). */
const TRACES = 'traces.ndjson';

/** `last-run` in the sandbox's directory (`.sandbox/` under the repository unless chosen: see sandboxDir). */
export const lastRunDir = (root: string): string => path.join(sandboxDir(root), 'last-run');

/**
 * A fresh directory for this run's tables, beside the last run (same file system, so it can be renamed). The
 * directories of runs that were killed before they finished (their process is gone) are removed
 * (see ownedTempDir).
 */
export function newRunDir(root: string): { readonly dir: string; readonly tablesDir: string } {
  const parent = sandboxDir(root);
  mkdirSync(parent, { recursive: true });
  const dir = ownedTempDir('run-', parent);
  return { dir, tablesDir: path.join(dir, TABLES) };
}

/** The template's `Outputs`, resolved to the sandbox's names. */
export function resolvedOutputs(template: ResolvedTemplate): Record<string, string> {
  const outputs = (template.template as { Outputs?: Record<string, { Value?: unknown }> }).Outputs ?? {};
  const resolved: Record<string, string> = {};
  for (const [name, output] of Object.entries(outputs)) {
    try {
      resolved[name] = String(template.resolve(output.Value));
    } catch {
      // An output built from something the sandbox does not run (a deploy-time attribute) is left out.
    }
  }
  return resolved;
}

/** Platform events' correlation ids (input events from existing services carry none), first seen first. */
export function incidentsOf(events: Iterable<EventEnvelope>): string[] {
  const seen = new Set<string>();
  for (const event of events) {
    const id = (event.detail as { correlationId?: unknown } | undefined)?.correlationId;
    if (typeof id === 'string' && id !== '') seen.add(id);
  }
  return [...seen];
}

/**
 * Writes the manifest into the run's directory (after the sandbox stopped, so its tables are closed) and puts the
 * directory in place of the last run.
 */
export function keepAsLastRun(root: string, runDir: string, manifest: RunManifest): string {
  writeFileSync(path.join(runDir, MANIFEST), JSON.stringify(manifest, null, 2));
  const target = lastRunDir(root);
  const previous = `${target}.old-${process.pid}`;
  if (existsSync(target)) renameSync(target, previous);
  renameSync(runDir, target);
  rmSync(previous, { recursive: true, force: true });
  return target;
}

/** Writes the run's collected segment documents into its directory (before `keepAsLastRun`). */
export function keepTraces(runDir: string, collector: TraceCollector): Promise<void> {
  return collector.writeNdjson(path.join(runDir, TRACES));
}

/**
 * The last run's segment documents, or undefined when it kept none (run without traces). Lines that are not
 * segment documents are skipped and counted.
 */
export async function readRunTraces(
  dir: string,
): Promise<{ readonly documents: SegmentDocument[]; readonly unreadable: number } | undefined> {
  const file = path.join(dir, TRACES);
  if (!existsSync(file)) return undefined;
  const documents: SegmentDocument[] = [];
  let unreadable = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    let parsed: ReturnType<typeof validateDocument>;
    try {
      parsed = validateDocument(JSON.parse(line));
    } catch {
      parsed = { ok: false, reason: 'not JSON' };
    }
    if (parsed.ok) documents.push(parsed.document);
    else unreadable++;
  }
  return { documents, unreadable };
}

/** The last run's manifest; an error saying what to do when there is none. */
export function readRunManifest(dir: string): RunManifest {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) {
    throw new Error(
      `no sandbox run in ${dir}: run \`npm start\` first, or read AWS with --table <episodic table>`,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as RunManifest;
}

/** The last run's tables, served again by dynalite on loopback until `close`. */
export async function openLastRun(
  dir: string,
): Promise<{ readonly manifest: RunManifest; readonly dynamodb: DynamoDBClient; close(): Promise<void> }> {
  const manifest = readRunManifest(dir);
  const dynamo = await DynaliteThread.start(path.join(dir, TABLES));
  const dynamodb = new DynamoDBClient({
    endpoint: dynamo.url,
    region: manifest.region,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  return {
    manifest,
    dynamodb,
    close: async () => {
      dynamodb.destroy();
      await dynamo.stop();
    },
  };
}
