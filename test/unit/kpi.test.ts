import { recoveryHour, recoveryMeasurement, resolutionSeconds } from '../../lambdas/domain/operator/kpis';
import type { EventEnvelope } from '../../local/eventbridge/bus';
import { alarmNotes } from '../../local/cloudwatch/timeline-notes';
import { formatKpis, incidentKpis } from '../../local/kpi';
import { formatTimeline } from '../../local/timeline';

const at = (minute: number) => new Date(Date.parse('2026-11-20T10:00:00Z') + minute * 60_000).toISOString();
let seq = 0;
const envelope = (
  minute: number,
  source: string,
  type: string,
  detail: Record<string, unknown>,
): EventEnvelope => ({
  version: '0',
  id: `e-${seq++}`,
  'detail-type': type,
  source,
  account: '123456789012',
  time: at(minute),
  region: 'us-east-1',
  resources: [],
  detail,
});
const placed = (minute: number, orderId: string, warehouseId = 'WH-NYC') =>
  envelope(minute, 'retail.orders', 'order_placed', { orderId, warehouseId, region: 'us-east' });
const cancelled = (minute: number, orderId: string) =>
  envelope(minute, 'retail.orders', 'order_cancelled', { orderId, warehouseId: 'WH-NYC' });
const spike = (minute: number, correlationId: string) =>
  envelope(minute, 'proactive.monitoring', 'order_cancellation_spike', {
    correlationId,
    scope: { type: 'warehouse', id: 'WH-NYC' },
    baselineRatio: 0.05,
  });

describe('incidentKpis: time from spike to resolution, and the ratio back to baseline', () => {
  it('closes an incident at its reroute, and measures the scope over the hour after it', () => {
    const events = [
      spike(0, 'inc-1'),
      envelope(3, 'proactive.planning', 'approval_requested', { correlationId: 'inc-1' }),
      envelope(12, 'proactive.fulfillment', 'reroute_complete', { correlationId: 'inc-1' }),
      ...Array.from({ length: 20 }, (_, i) => placed(15 + i, `o-${i}`)),
      cancelled(40, 'o-0'),
      // Placed during the incident, cancelled in the hour after: the incident's, not the recovery's.
      placed(5, 'during'),
      cancelled(20, 'during'),
      placed(20, 'elsewhere', 'WH-BOS'),
      placed(80, 'too-late'),
    ];
    const [kpi] = incidentKpis(events);
    expect(kpi).toEqual({
      correlationId: 'inc-1',
      scope: 'warehouse WH-NYC',
      spikeAt: Date.parse(at(0)),
      outcome: 'resolved',
      closedAt: Date.parse(at(12)),
      minutesToResolution: 12,
      baselineRatio: 0.05,
      ratioAfter: 0.05,
      ordersAfter: 20,
      metResolution: true,
      backToBaseline: true,
    });
    expect(formatKpis([kpi!])).toEqual([
      '  warehouse WH-NYC: resolved 12.0 min after the spike (target ≤ 30: met); ratio in the hour after 5.0% over 20 orders vs baseline 5.0% (back to baseline)',
    ]);
  });

  it('prefers resolution to escalation to failure, and leaves an incident without any of them open', () => {
    const events = [
      spike(0, 'failed-then-escalated'),
      envelope(5, 'proactive.planning', 'remediation_failed', { correlationId: 'failed-then-escalated' }),
      envelope(45, 'proactive.planning', 'remediation_escalated', { correlationId: 'failed-then-escalated' }),
      spike(1, 'open'),
    ];
    expect(
      incidentKpis(events).map((k) => [k.correlationId, k.outcome, k.minutesToResolution, k.metResolution]),
    ).toEqual([
      ['failed-then-escalated', 'escalated', 45, false],
      ['open', 'open', undefined, false],
    ]);
  });
});

describe('the timeline shows alarm state changes at their virtual time', () => {
  const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ops';
  it('places each change into or out of ALARM after the events of its instant', () => {
    const transitions = [
      {
        time: Date.parse(at(1)),
        logicalId: 'A',
        alarmName: 'A',
        from: 'INSUFFICIENT_DATA',
        to: 'OK',
        reason: 'fine',
        notifications: [{ action: TOPIC, delivered: true }],
      },
      {
        time: Date.parse(at(5)),
        logicalId: 'A',
        alarmName: 'A',
        from: 'OK',
        to: 'ALARM',
        reason: 'Threshold Crossed',
        notifications: [{ action: TOPIC, delivered: true }],
      },
      {
        time: Date.parse(at(30)),
        logicalId: 'A',
        alarmName: 'A',
        from: 'ALARM',
        to: 'OK',
        reason: 'back',
        notifications: [{ action: TOPIC, delivered: false, reason: 'no policy allows it' }],
      },
    ] as const;
    const lines = formatTimeline([spike(5, 'inc-1'), placed(2, 'o-1')], alarmNotes(transitions));
    expect(lines.filter((line) => line.includes('aws.cloudwatch') || line.includes('spike'))).toEqual([
      expect.stringMatching(/^2026-11-20 10:05:00Z {2}proactive.monitoring +order_cancellation_spike/),
      '2026-11-20 10:05:00Z  aws.cloudwatch         alarm ALARM               A: Threshold Crossed; notified ops',
      '2026-11-20 10:30:00Z  aws.cloudwatch         alarm OK                  A: recovered (back); NOT notified ops: no policy allows it',
    ]);
  });
});

describe('resolutionSeconds: the time-to-resolution the learning agent reports', () => {
  it('counts seconds from the spike to the end, and nothing without a readable, earlier spike', () => {
    expect(resolutionSeconds('2026-11-20T10:35:00Z', '2026-11-20T10:48:30.500Z')).toBe(810.5);
    expect(resolutionSeconds(undefined, '2026-11-20T10:48:30Z')).toBeUndefined();
    expect(resolutionSeconds('not a time', '2026-11-20T10:48:30Z')).toBeUndefined();
    expect(resolutionSeconds('2026-11-20T10:50:00Z', '2026-11-20T10:48:30Z')).toBeUndefined();
  });
});

describe('the ratio-back-to-baseline KPI, as the recovery watch and the timeline measure it', () => {
  it('starts the hour at the first whole window after resolution, and never makes it shorter than a window', () => {
    const resolved = Date.parse('2026-11-20T10:41:04Z');
    expect(recoveryHour(resolved, 5)).toEqual({
      fromMs: Date.parse('2026-11-20T10:45:00Z'),
      toMs: Date.parse('2026-11-20T11:45:00Z'),
    });
    // Resolved on a window's start: that window is the first of the hour.
    expect(recoveryHour(Date.parse('2026-11-20T10:45:00Z'), 5).fromMs).toBe(
      Date.parse('2026-11-20T10:45:00Z'),
    );
    // Windows of 90 minutes: one whole window.
    const long = recoveryHour(resolved, 90);
    expect([long.fromMs, long.toMs - long.fromMs]).toEqual([Date.parse('2026-11-20T12:00:00Z'), 90 * 60_000]);
  });

  it("counts the hour's orders cancelled in it, once each, against the baseline floored at 1%", () => {
    expect(recoveryMeasurement(['a', 'b', 'c', 'd', 'a'], ['a', 'a', 'x', 'd'], 0.2)).toEqual({
      placed: 4,
      cancelled: 2,
      ratio: 0.5,
      multipleOfBaseline: 2.5,
      backToBaseline: false,
    });
    expect(recoveryMeasurement(['a', 'b', 'c', 'd'], ['a'], 0.125)).toMatchObject({
      multipleOfBaseline: 2,
      backToBaseline: true,
    });
    // A scope that never cancelled: one cancellation in a hundred is still back to baseline.
    const hundred = Array.from({ length: 100 }, (_, i) => `o-${i}`);
    expect(recoveryMeasurement(hundred, ['o-1'], 0)).toMatchObject({
      multipleOfBaseline: 1,
      backToBaseline: true,
    });
    expect(recoveryMeasurement([], ['a'], 0.05)).toBeUndefined();
  });
});
