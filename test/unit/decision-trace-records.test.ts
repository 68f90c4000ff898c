import fc from 'fast-check';
import { parseDetail } from '../../lambdas/domain/contracts/parse';
import { boundRecord } from '../../lambdas/domain/memory/bounded-record';
import {
  policyDecisionRecord,
  reasoningRecord,
  TRACE_RECORD_MAX_BYTES,
  traceEntityOf,
} from '../../lambdas/domain/memory/decision-trace';
import type { DraftPlan } from '../../lambdas/domain/memory/reasoner';

const CORRELATION_ID = 'warehouse#WH-NYC#2026-11-20T10:35:00Z';
const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('boundRecord', () => {
  it('leaves a record that fits exactly as it is', () => {
    const record = { prompt: 'short', tokens: 12, nested: { list: [1, 'two'] } };

    expect(boundRecord(record, { maxBytes: 1024 })).toBe(record);
  });

  it('cuts the longest string first and says how much of it was kept', () => {
    const record = { prompt: 'p'.repeat(200_000), output: 'o'.repeat(3_000), model: 'm' };

    const bounded = boundRecord(record, { maxBytes: 10_000 }) as Record<string, string>;

    expect(jsonBytes(bounded)).toBeLessThanOrEqual(10_000);
    expect(bounded.prompt).toMatch(/^p+ …\[truncated: \d+ of 200000 characters kept\]$/);
    expect(bounded.output).toBe(record.output);
    expect(bounded.model).toBe('m');
  });

  it('counts UTF-8 bytes, not characters, and never splits a surrogate pair', () => {
    const record = { text: '€😀'.repeat(20_000) };

    const bounded = boundRecord(record, { maxBytes: 4_096 }) as { text: string };

    expect(jsonBytes(bounded)).toBeLessThanOrEqual(4_096);
    expect(bounded.text).toMatch(/^(€😀)*€?(😀)? …\[truncated/u);
  });

  it('keeps the first items of a long array and says how many more there were', () => {
    const record = {
      output: Array.from({ length: 5_000 }, (_, i) => ({ type: 'text', text: `block ${i}` })),
    };

    const bounded = boundRecord(record, { maxBytes: 8_000, maxItems: 50 }) as { output: unknown[] };

    expect(bounded.output).toHaveLength(51);
    expect(bounded.output[50]).toBe('…[truncated: 4950 more item(s)]');
  });

  it('fits any JSON record within its bound (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })),
        fc.integer({ min: 1_024, max: 6_000 }),
        (record, maxBytes) => {
          const bounded = boundRecord(record, { maxBytes, maxItems: 20 });
          expect(jsonBytes(bounded)).toBeLessThanOrEqual(maxBytes);
          if (jsonBytes(record) <= maxBytes) expect(bounded).toBe(record);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a bound too small to hold a marker, naming it', () => {
    expect(() => boundRecord({}, { maxBytes: 100 })).toThrow(
      'maxBytes must be an integer of at least 1024, got 100',
    );
  });
});

describe('decision-trace records', () => {
  const base = { entity: 'warehouse#WH-NYC', time: '2026-11-20T10:40:00Z', correlationId: CORRELATION_ID };

  it('files an incident under the entity its key names, any other correlation id under the incident', () => {
    expect(traceEntityOf(CORRELATION_ID)).toBe('warehouse#WH-NYC');
    expect(traceEntityOf('region#us-south#2026-11-20T10:30:00Z')).toBe('region#us-south');
    expect(traceEntityOf('incident-42')).toBe('incident#incident-42');
    expect(traceEntityOf('a#b')).toBe('incident#a#b');
    expect(() => traceEntityOf('')).toThrow('decision trace: correlationId: must not be empty');
  });

  it('keeps a model call within the item limit however long its prompt and output', () => {
    const draft: DraftPlan = {
      tasks: [{ taskType: 'reroute_orders', parameters: { fromWarehouseId: 'WH-NYC' } }],
      usage: { modelId: 'model', inputTokens: 300_000, outputTokens: 1_024 },
      costMicroUsd: 301_024,
      exchange: {
        system: 'system',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'evidence '.repeat(100_000) }] }],
        tools: ['reroute_orders'],
        output: [{ type: 'text', text: 'answer '.repeat(60_000) }],
      },
    };

    const record = reasoningRecord(base, { attempt: 1, outcome: 'accepted', draft });

    expect(jsonBytes(record.data)).toBeLessThanOrEqual(TRACE_RECORD_MAX_BYTES);
    expect(record).toMatchObject({ kind: 'reasoning', discriminator: 'attempt-1' });
    expect(record.data).toMatchObject({
      modelId: 'model',
      inputTokens: 300_000,
      costMicroUsd: 301_024,
      prompt: { messages: [{ content: [{ text: expect.stringMatching(/characters kept\]$/) }] }] },
      output: [{ text: expect.stringMatching(/characters kept\]$/) }],
    });
  });

  it('records a policy decision under the incident entity, one record per decision', () => {
    const decision = parseDetail('policy_decision', {
      schemaVersion: 1,
      correlationId: CORRELATION_ID,
      decisionId: 'request-1',
      taskId: 'task-1',
      decision: 'allow',
      policyOutcome: 'allow',
      principal: { type: 'Agent', id: 'planning-agent' },
      action: { type: 'Action', id: 'reroute_orders' },
      resource: { type: 'Warehouse', id: 'WH-NYC' },
      context: {
        costCents: 2_500,
        risk: 'medium',
        riskScoreCents: 300_000,
        valueAtStakeCents: 200_000,
        orders: 40,
        customerSegment: 'standard',
        jurisdiction: 'US-NY',
        autonomy: 'autonomous',
        irreversible: false,
        limits: {},
      },
      determiningPolicies: ['planning-agent-remediates'],
      reasons: [],
      errors: [],
      configurationVersion: 'sha256:abc',
      latencyMs: { evaluation: 0.4, total: 2.1 },
    });

    const record = policyDecisionRecord(decision, '2026-11-20T10:41:00Z');

    expect(record).toMatchObject({
      entity: 'warehouse#WH-NYC',
      kind: 'policy_decision',
      discriminator: 'request-1',
      data: { decision: 'allow', determiningPolicies: ['planning-agent-remediates'], taskId: 'task-1' },
    });
    expect(record.data).not.toHaveProperty('schemaVersion');
    expect(() => policyDecisionRecord(decision, 'yesterday')).toThrow('decision trace: time:');
  });
});
