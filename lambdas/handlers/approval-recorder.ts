import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { approvalRecord } from '../domain/memory/approval-record';
import { parseConfig, requiredText } from './shared/config';
import { decisionTraceStore } from './shared/decision-trace-store';
import { parseEventBridgeEvent } from './shared/event-envelope';
import { createObservability, instrument } from './shared/observability';
import { redactionVariables } from './shared/redaction';

const observability = createObservability();
const config = parseConfig(
  z.object({ EPISODIC_TABLE_NAME: requiredText, ...redactionVariables }),
  process.env,
);
const episodic = decisionTraceStore(config.EPISODIC_TABLE_NAME, config.REDACTION_KEY, observability);

/**
 * Files each approval of the saga in the incident's decision trace: `approval_requested` (what would run, at
 * what cost and risk, of whom, why) and `approval_decided` (the outcome, who answered and why, or the lapse).
 * The saga announces approvals on the bus only, whoever answers them (the operator API, `npm run approve`, a tier's
 * timeout), so the record is written from the events, once per task, tier and stage.
 */
export async function run(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const approval = parseEventBridgeEvent(event, ['approval_requested', 'approval_decided']);
  await episodic.record(approvalRecord(approval.detail, approval.time));
}

export const handler = instrument(run, observability);
