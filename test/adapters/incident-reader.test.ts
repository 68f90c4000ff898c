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

  it("reads an incident's trace from a day before it opened, not the entity's older incidents", async () => {
    const episodic = new DynamoEpisodicStore('Episodic', dynamo.client);
    // 60 older incidents of WH-Z (two records each), the one read (three), and a later one (two).
    for (let day = 1; day <= 60; day++) {
      const id = `warehouse#WH-Z#2026-09-${String((day % 30) + 1).padStart(2, '0')}T${String(day % 24).padStart(2, '0')}:00:00Z`;
      await episodic.record(record(id, 'plan', id.slice(id.lastIndexOf('#') + 1)));
      await episodic.record(record(id, 'remediation_outcome', id.slice(id.lastIndexOf('#') + 1)));
    }
    const read = `warehouse#WH-Z#${at(19, 0)}`;
    for (const [kind, minute] of [
      ['plan', 5],
      ['policy_decision', 6],
      ['remediation_outcome', 40],
    ] as const) {
      await episodic.record(record(read, kind, at(19, minute)));
    }
    const later = `warehouse#WH-Z#${at(20, 0)}`;
    await episodic.record(record(later, 'plan', at(20, 5)));
    await episodic.record(record(later, 'remediation_outcome', at(20, 30)));
    let scanned = 0;
    dynamo.client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        scanned += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
        return result;
      },
      { step: 'initialize', name: 'countScanned' },
    );

    try {
      const records = await reader.incidentRecords(read);
      expect(records.map((r) => r.kind)).toEqual(['plan', 'policy_decision', 'remediation_outcome']);
      // The Query read the incident's records and the later incident's, none of the 120 older ones.
      expect(scanned).toBe(5);
    } finally {
      dynamo.client.middlewareStack.remove('countScanned');
    }
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
