import type { EventEnvelope } from '../../local/eventbridge/bus';
import { compareDecisions, decisionOf, formatChange, type Decision } from '../../local/shadow/decisions';

const envelope = (detailType: string, time: string, detail: Record<string, unknown>): EventEnvelope => ({
  version: '0',
  id: `${detailType}-${time}`,
  'detail-type': detailType,
  source: 'proactive.planning',
  account: '123456789012',
  time,
  region: 'us-east-1',
  resources: [],
  detail,
});

const incidentAt = (minute: string) => `warehouse#WH-NYC#2026-11-20T12:${minute}:00Z`;

function spike(minute: string, detectedAt: string): EventEnvelope {
  const key = incidentAt(minute);
  return envelope('order_cancellation_spike', detectedAt, {
    correlationId: key,
    incidentKey: key,
    scope: { type: 'warehouse', id: 'WH-NYC' },
    window: { start: `2026-11-20T11:${minute}:00Z`, end: `2026-11-20T12:${minute}:00Z` },
  });
}

function plan(minute: string, since: string): EventEnvelope {
  const key = incidentAt(minute);
  return envelope('remediation_planned', '2026-11-20T12:30:00Z', {
    correlationId: key,
    planId: `plan#${key}`,
    planner: 'template',
    templateId: 'tpl-1',
    tasks: [
      {
        taskId: `plan#${key}#task-1`,
        taskType: 'open_incident_ticket',
        risk: 'low',
        costCents: 0,
        parameters: {},
      },
      {
        taskId: `plan#${key}#task-2`,
        taskType: 'reroute_orders',
        risk: 'medium',
        costCents: 2500,
        parameters: { since, fromWarehouseId: 'WH-NYC' },
      },
    ],
  });
}

function policy(minute: string, task: number, decision: string): EventEnvelope {
  const key = incidentAt(minute);
  return envelope('policy_decision', '2026-11-20T12:30:01Z', {
    correlationId: key,
    decisionId: `decision-${minute}-${task}`,
    planId: `plan#${key}`,
    taskId: `plan#${key}#task-${task}`,
    decision,
    policyOutcome: decision,
    action: { type: 'Action', id: task === 1 ? 'open_incident_ticket' : 'reroute_orders' },
    determiningPolicies: ['b', 'a'],
  });
}

const decisions = (events: readonly EventEnvelope[]): Decision[] =>
  events.map(decisionOf).filter((d): d is Decision => d !== undefined);

describe('shadow replay decisions', () => {
  it('reads a decision from each kind of platform event, and none from inputs, commands or outcomes', () => {
    const incident = decisionOf(spike('00', '2026-11-20T12:04:58Z'))!;
    expect(incident).toMatchObject({
      kind: 'incident',
      correlationId: incidentAt('00'),
      scope: 'warehouse WH-NYC',
      facts: { window: '2026-11-20T11:00:00Z – 2026-11-20T12:00:00Z', detected: '2026-11-20T12:04:58Z' },
    });
    const planned = decisionOf(plan('00', '2026-11-20T10:00:00Z'))!;
    expect(planned.facts['task 2']).toBe(
      'reroute_orders (risk medium, 2500¢) {"fromWarehouseId":"WH-NYC","since":"2026-11-20T10:00:00Z"}',
    );
    // Relative to its plan, and its determining policies in a stable order.
    expect(decisionOf(policy('00', 2, 'allow'))).toMatchObject({
      kind: 'policy',
      subject: 'task-2',
      facts: { action: 'reroute_orders', decision: 'allow', 'determining policies': 'a, b' },
    });
    const answer = envelope('approval_decided', '2026-11-20T12:10:00Z', {
      correlationId: incidentAt('00'),
      planId: `plan#${incidentAt('00')}`,
      taskId: `plan#${incidentAt('00')}#task-2`,
      outcome: 'approved',
      tier: { index: 1, name: 'on-call' },
    });
    expect(decisionOf(answer)).toMatchObject({
      kind: 'approval answer',
      subject: 'task-2 tier 1',
      facts: { outcome: 'approved' },
    });
    for (const type of ['order_placed', 'reroute_orders', 'reroute_complete', 'remediation_compensated']) {
      expect(decisionOf(envelope(type, '2026-11-20T12:00:00Z', { correlationId: 'x' }))).toBeUndefined();
    }
    expect(decisionOf(envelope('order_cancellation_spike', '2026-11-20T12:00:00Z', {}))).toBeUndefined();
  });

  it('finds no change between a run and itself, whatever order its decisions arrive in', () => {
    const run = decisions([spike('00', '2026-11-20T12:04:58Z'), plan('00', 'a'), policy('00', 1, 'allow')]);
    expect(compareDecisions(run, [...run].reverse())).toEqual([]);
  });

  it('lists a decision not taken, a new one and a changed one', () => {
    const recorded = decisions([
      spike('00', '2026-11-20T12:04:58Z'),
      policy('00', 1, 'allow'),
      policy('00', 2, 'allow'),
    ]);
    const shadow = decisions([
      spike('00', '2026-11-20T12:04:58Z'),
      policy('00', 1, 'allow'),
      policy('00', 2, 'require_approval'),
      envelope('remediation_escalated', '2026-11-20T12:40:00Z', {
        correlationId: incidentAt('00'),
        reason: 'no warehouse can take the orders',
      }),
    ]);
    const withoutPolicy = recorded.filter((d) => !(d.kind === 'policy' && d.subject === 'task-1'));
    const changes = compareDecisions(recorded, shadow);
    expect(changes.map((c) => [c.status, c.kind, c.recorded?.subject ?? c.shadow?.subject])).toEqual([
      ['changed', 'policy', 'task-2'],
      ['new', 'escalation', ''],
    ]);
    expect(changes[0]!.differences).toEqual([
      { fact: 'decision', recorded: 'allow', shadow: 'require_approval' },
      { fact: 'policies alone', recorded: 'allow', shadow: 'require_approval' },
    ]);
    const notTaken = compareDecisions(recorded, withoutPolicy);
    expect(notTaken).toHaveLength(1);
    expect(notTaken[0]).toMatchObject({ status: 'not-taken', kind: 'policy' });
    expect(formatChange(notTaken[0]!)[0]).toBe(
      `  - policy ${incidentAt('00')} task-1: recorded at 2026-11-20T12:30:01Z, not taken by the current agents`,
    );
  });

  it('reads an incident detected later as one changed incident, and its plan by what the plan decides', () => {
    const recorded = decisions([
      spike('00', '2026-11-20T12:04:58Z'),
      plan('00', '2026-11-20T10:00:00Z'),
      policy('00', 1, 'allow'),
    ]);
    // Five minutes later: another incident key, the same ticket decision, a reroute from a later time.
    const shadow = decisions([
      spike('05', '2026-11-20T12:08:55Z'),
      plan('05', '2026-11-20T10:05:00Z'),
      policy('05', 1, 'allow'),
    ]);
    const changes = compareDecisions(recorded, shadow);
    expect(changes.map((c) => [c.status, c.kind])).toEqual([
      ['changed', 'incident'],
      ['changed', 'plan'],
    ]);
    expect(changes[0]!.differences.map((d) => d.fact)).toEqual(['incident', 'window', 'detected']);
    expect(changes[1]!.differences.map((d) => d.fact)).toEqual(['task 2']);
    expect(formatChange(changes[0]!)).toContain(`      incident: ${incidentAt('00')} → ${incidentAt('05')}`);
  });

  it('does not pair incidents of other scopes or hours apart: one missed, one new', () => {
    const recorded = decisions([spike('00', '2026-11-20T12:04:58Z')]);
    const later = decisions([spike('05', '2026-11-20T15:08:55Z')]);
    expect(compareDecisions(recorded, later).map((c) => c.status)).toEqual(['not-taken', 'new']);
    const elsewhere = decisions([spike('05', '2026-11-20T12:08:55Z')]).map((d) => ({
      ...d,
      scope: 'warehouse WH-BOS',
    }));
    expect(compareDecisions(recorded, elsewhere).map((c) => c.status)).toEqual(['not-taken', 'new']);
  });

  it('numbers a decision a run took twice, so a repeat missing in the other run is a change', () => {
    const once = decisions([policy('00', 1, 'allow')]);
    const twice = decisions([policy('00', 1, 'allow'), policy('00', 1, 'allow')]);
    expect(compareDecisions(once, twice).map((c) => c.status)).toEqual(['new']);
    expect(compareDecisions(twice, twice)).toEqual([]);
  });
});
