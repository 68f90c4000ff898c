import { DynamoEpisodicStore } from '../../lambdas/adapters/dynamodb-episodic-store';
import { DynamoIncidentReader } from '../../lambdas/adapters/dynamodb-incident-reader';
import type { EpisodicRecord } from '../../lambdas/domain/memory/episodic';
import { incidentSummaries } from '../../lambdas/domain/operator/incidents';
import { declaredTable } from './declared-table';
import { startDynamo, type LocalDynamo } from './dynalite';
import { scanAll } from './time-to-live';

const record = (correlationId: string, kind: string, time: string): EpisodicRecord => ({
  entity: correlationId.slice(0, correlationId.lastIndexOf('#')),
  time,
  kind,
  correlationId,
  data:
    kind === 'remediation_outcome' ? { outcome: 'succeeded' } : { summary: `${kind} of ${correlationId}` },
});

const at = (day: number, minute: number) =>
  `2026-11-${String(day).padStart(2, '0')}T${String(10 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00Z`;

/**
 * The listing reads episodic memory's sparse `incidents` index (created as lib/memory.ts declares it) newest first,
 * and stops at the `limit` newest incidents.
 */
describe('DynamoIncidentReader on the incidents index (dynalite)', () => {
  let dynamo: LocalDynamo;
  let reader: DynamoIncidentReader;

  beforeAll(async () => {
    dynamo = await startDynamo([declaredTable('episodic', 'Episodic')]);
    const episodic = new DynamoEpisodicStore('Episodic', dynamo.client);
    // 40 incidents opened on the 18th, each with a policy decision, all ending on the 20th (after the newer ones).
    for (let i = 0; i < 40; i++) {
      const id = `warehouse#WH-${i}#${at(18, i)}`;
      await episodic.record(record(id, 'plan', at(18, i)));
      await episodic.record(record(id, 'policy_decision', at(18, i)));
      await episodic.record(record(id, 'remediation_outcome', at(20, i)));
    }
    // Three incidents opened on the 19th: a plan, an escalation, and a plan still running.
    await episodic.record(record(`warehouse#WH-A#${at(19, 0)}`, 'plan', at(19, 0)));
    await episodic.record(record(`region#us-east#${at(19, 5)}`, 'planning_escalated', at(19, 5)));
    await episodic.record(record(`warehouse#WH-B#${at(19, 10)}`, 'plan', at(19, 10)));
    reader = new DynamoIncidentReader('Episodic', dynamo.client);
  }, 60_000);

  afterAll(() => dynamo.stop());

  it('lists the newest opened incidents first, leaving out the outcomes of older ones read on the way, across pages', async () => {
    const records = await reader.listingRecords(2);

    expect(incidentSummaries(records, 2).map((summary) => [summary.id, summary.status])).toEqual([
      [`warehouse#WH-B#${at(19, 10)}`, 'planned'],
      [`region#us-east#${at(19, 5)}`, 'escalated'],
    ]);
    expect(records).toHaveLength(2);
  });

  it('gives an incident listed its outcome too, when the limit reaches back to its opening', async () => {
    const records = await reader.listingRecords(4);

    const summaries = incidentSummaries(records, 4);
    expect(summaries.map((summary) => summary.id)).toEqual([
      `warehouse#WH-B#${at(19, 10)}`,
      `region#us-east#${at(19, 5)}`,
      `warehouse#WH-A#${at(19, 0)}`,
      `warehouse#WH-39#${at(18, 39)}`,
    ]);
    expect(summaries[3]).toMatchObject({ status: 'succeeded', openedAt: at(18, 39), updatedAt: at(20, 39) });
  });

  it('lists every incident when the limit exceeds them', async () => {
    expect(incidentSummaries(await reader.listingRecords(500))).toHaveLength(43);
  });

  it('puts only the records that list incidents in the index (plans, escalations, outcomes)', async () => {
    const items = await scanAll(dynamo.client, 'Episodic');

    const listed = items.filter((item) => item.listing !== undefined);
    expect(new Set(listed.map((item) => item.kind))).toEqual(
      new Set(['plan', 'planning_escalated', 'remediation_outcome']),
    );
    expect(items.filter((item) => item.kind === 'policy_decision' && item.listing !== undefined)).toEqual([]);
    expect(
      listed.find((item) => item.kind === 'plan' && String(item.correlationId).includes('WH-A')),
    ).toMatchObject({
      listing: 'incident',
      listedAt: `${at(19, 0)}#warehouse#WH-A#${at(19, 0)}`,
    });
  });
});
