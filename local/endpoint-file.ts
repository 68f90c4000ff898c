import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { isAlive } from './process-alive';
import { sandboxDir } from './sandbox-dir';

/**
 * `.sandbox/endpoint.json`: where a running sandbox (`npm start`) serves its AWS endpoint, so tools such as
 * `npm run approve` reach it without being told. The sandbox writes it once it is up and removes it on exit; a
 * file left by a process that died is ignored (its pid is not alive).
 */
const sandboxEndpointRecord = z.object({
  /** The loopback endpoint of the AWS JSON APIs (Step Functions, EventBridge, SQS). */
  url: z.url(),
  /** The sandbox's process. */
  pid: z.number().int().positive(),
  /** Wall-clock time the sandbox came up (ISO 8601). */
  startedAt: z.iso.datetime({ offset: true }),
  /** The region the sandbox's ARNs carry. */
  region: z.string().min(1).optional(),
  /** The template's HTTP APIs (API Gateway), by name: each one's loopback URL (requests SigV4-signed). */
  httpApis: z.record(z.string(), z.url()).optional(),
});
export type SandboxEndpointRecord = z.infer<typeof sandboxEndpointRecord>;

/** `endpoint.json` in the sandbox's directory (`.sandbox/` under the repository unless chosen: see sandboxDir). */
export const endpointFile = (root: string): string => path.join(sandboxDir(root), 'endpoint.json');

/** Announces this process's sandbox endpoint (replacing any record of an earlier one). */
export function writeEndpointFile(root: string, record: SandboxEndpointRecord): void {
  const file = endpointFile(root);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(sandboxEndpointRecord.parse(record), null, 2)}\n`);
}

/** Removes the record if it is this process's (another sandbox started since keeps its own). */
export function removeEndpointFile(root: string, pid: number = process.pid): void {
  const file = endpointFile(root);
  const record = readRecord(file);
  if (record === undefined || record.pid === pid) rmSync(file, { force: true });
}

/**
 * The endpoint of a running sandbox, or undefined when none runs (no file, or its process is gone). A file
 * that is not a record is an error naming the field.
 */
export function runningSandboxEndpoint(root: string): SandboxEndpointRecord | undefined {
  const record = readRecord(endpointFile(root));
  return record !== undefined && isAlive(record.pid) ? record : undefined;
}

function readRecord(file: string): SandboxEndpointRecord | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new Error(`${file} is not JSON: remove it, or start the sandbox again`, { cause });
  }
  const parsed = sandboxEndpointRecord.safeParse(raw);
  if (!parsed.success) {
    // zod reports at least one issue; the fallbacks only keep the message whole.
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue?.path.join('.') || '(record)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
