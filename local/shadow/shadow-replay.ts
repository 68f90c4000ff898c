import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { approvalDecidedV1 } from '../../lambdas/domain/contracts/approvals';
import { approvalRequestOf } from '../approval-prompt';
import { streamEvents } from '../cli-input';
import type { EventEnvelope } from '../eventbridge/bus';
import { ownedTempDir } from '../owned-temp-dir';
import { replayFile } from '../replay-file';
import type { Sandbox } from '../sandbox';
import { compareDecisions, decisionOf, type Decision, type DecisionChange } from './decisions';

/** The saga state whose callback tasks are a person's to answer. */
const APPROVAL_STATE = 'RequestApproval';
/** Bytes of input lines gathered before they are written to the replay's input file. */
const WRITE_CHUNK_BYTES = 1024 * 1024;

export interface ShadowOptions {
  /** The archive: every event a run put on the bus, one envelope per line (`npm start -- --out`, an export). */
  readonly archive: string;
  /** The cloud assembly whose agents replay it: the current ones (`cdk.out`). */
  readonly assemblyDir: string;
  /** A governance configuration to serve instead of the template's (AppConfig profile `governance`). */
  readonly governanceFile?: string;
}

export interface ShadowReport {
  /** Lines in the archive, and those that were not JSON events (skipped, counted). */
  readonly archiveEvents: number;
  readonly unreadable: number;
  /** The producers' events replayed (sources outside the platform: `retail.*`). */
  readonly inputs: number;
  readonly recorded: readonly Decision[];
  readonly shadow: readonly Decision[];
  /** Approvals answered as they were answered in the recording. */
  readonly approvalsReplayed: number;
  readonly changes: readonly DecisionChange[];
}

/** Events from the producers the platform listens to — the inputs; every other source is one of its agents. */
const isInput = (event: EventEnvelope): boolean => !event.source.startsWith('proactive.');

const answerKey = (correlationId: string, taskId: string, tier: number) =>
  `${correlationId}|${taskId}|${tier}`;

/**
 * `npm run shadow`: replays the inputs of an archived run through the current agents in a sandbox of its own —
 * fresh tables and memory, removed afterwards; nothing reaches the last run (`.sandbox/last-run`), a running
 * sandbox, or AWS, so no action of the replay has any effect outside it — and compares the decisions its agents
 * take with the recorded ones. A person's answer to an approval is given again, as recorded (same tier, same
 * outcome, same note); a tier that lapsed in the recording lapses again.
 */
export async function shadowReplay(options: ShadowOptions): Promise<ShadowReport> {
  const work = ownedTempDir('proactive-agents-shadow-');
  try {
    const inputsFile = path.join(work, 'inputs.ndjson');
    const recorded: Decision[] = [];
    const answers = new Map<string, { approve: boolean; note: string }>();
    let archiveEvents = 0;
    let unreadable = 0;
    let inputs = 0;
    const fd = openSync(inputsFile, 'w');
    try {
      let pending: string[] = [];
      let pendingBytes = 0;
      const flush = () => {
        if (pending.length > 0) writeSync(fd, pending.join(''));
        pending = [];
        pendingBytes = 0;
      };
      for await (const input of streamEvents(options.archive, () => unreadable++)) {
        archiveEvents++;
        const event = input.raw as EventEnvelope;
        if (typeof event.source !== 'string' || typeof event['detail-type'] !== 'string') {
          unreadable++;
          continue;
        }
        if (isInput(event)) {
          const line = `${JSON.stringify(event)}\n`;
          pending.push(line);
          pendingBytes += line.length;
          if (pendingBytes >= WRITE_CHUNK_BYTES) flush();
          inputs++;
          continue;
        }
        const decision = decisionOf(event);
        if (decision) recorded.push(decision);
        if (event['detail-type'] === 'approval_decided') {
          const answer = approvalDecidedV1.safeParse(event.detail);
          if (answer.success && (answer.data.outcome === 'approved' || answer.data.outcome === 'rejected')) {
            const { correlationId, taskId, tier, outcome, note } = answer.data;
            answers.set(answerKey(correlationId, taskId, tier.index), {
              approve: outcome === 'approved',
              note,
            });
          }
        }
      }
      flush();
    } finally {
      closeSync(fd);
    }

    let running: Sandbox | undefined;
    let approvalsReplayed = 0;
    const { sandbox } = await replayFile(inputsFile, {
      assemblyDir: options.assemblyDir,
      tablesDir: path.join(work, 'tables'),
      logDir: path.join(work, 'logs'),
      ...(options.governanceFile ? { appConfigFiles: { governance: options.governanceFile } } : {}),
      onStart: (started) => {
        running = started;
      },
      holdForApprovals: {
        stateNames: [APPROVAL_STATE],
        // Long enough for the answer below to arrive; an approval with no recorded answer lapses as it did.
        realSeconds: 2,
        onPending: (pending) => {
          const sandbox = running;
          if (!sandbox) return;
          const request = approvalRequestOf(sandbox.bus.archive, pending.token);
          const answer =
            request && answers.get(answerKey(request.correlationId, request.taskId, request.tier.index));
          if (!answer) return;
          approvalsReplayed++;
          const call = answer.approve
            ? sandbox.sfn.handleApiRequest('AWSStepFunctions.SendTaskSuccess', {
                taskToken: pending.token,
                output: JSON.stringify({ note: answer.note }),
              })
            : sandbox.sfn.handleApiRequest('AWSStepFunctions.SendTaskFailure', {
                taskToken: pending.token,
                error: 'ApprovalRejected',
                cause: answer.note,
              });
          call.catch((error: unknown) =>
            console.error(`shadow: replaying an approval answer failed: ${String(error)}`),
          );
        },
      },
    });
    const shadow: Decision[] = [];
    try {
      for (const event of sandbox.bus.archive) {
        if (isInput(event)) continue;
        const decision = decisionOf(event);
        if (decision) shadow.push(decision);
      }
    } finally {
      await sandbox.stop();
    }
    return {
      archiveEvents,
      unreadable,
      inputs,
      recorded,
      shadow,
      approvalsReplayed,
      changes: compareDecisions(recorded, shadow),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
