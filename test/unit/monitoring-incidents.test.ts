import { resolveDetectorConfig, type DetectorConfig } from '../../lambdas/domain/monitoring/detector-config';
import { assessWindow, type SpikeAssessment } from '../../lambdas/domain/monitoring/detector';
import { ScopeHistory } from '../../lambdas/domain/monitoring/scope-history';
import { ScopeMismatch } from '../../lambdas/domain/monitoring/errors';
import {
  baselineCutoffFor,
  decideIncident,
  incidentKeyParts,
  type IncidentDecision,
  type OpenIncident,
} from '../../lambdas/domain/monitoring/incidents';
import { addWindows, type WindowCount } from '../../lambdas/domain/monitoring/windows';

const SCOPE = 'warehouse#WH-NYC';
const START = '2026-11-20T10:00:00Z';
const config: DetectorConfig = resolveDetectorConfig();

const windowAt = (index: number): string => addWindows(START, index, 5);

/** An assessment of window `index` after START; only scope, window and verdict matter to incidents. */
const assessment = (index: number, anomalous: boolean, scope = SCOPE): SpikeAssessment => ({
  scope,
  window: { start: windowAt(index), end: windowAt(index + 1) },
  observedRatio: anomalous ? 0.4 : 0.04,
  baselineRatio: 0.04,
  placed: 30,
  cancelled: anomalous ? 12 : 1,
  pValue: anomalous ? 1e-8 : 0.6,
  score: anomalous ? 8 : 0.22,
  anomalous,
});

const incident = (openedIndex: number, lastAnomalousIndex: number): OpenIncident => ({
  incidentKey: `${SCOPE}#${windowAt(openedIndex)}`,
  scope: SCOPE,
  openedAt: windowAt(openedIndex),
  lastAnomalousWindow: windowAt(lastAnomalousIndex),
});

/** Feeds assessments through decideIncident as the handler would, keeping the stored incident between calls. */
function run(assessments: readonly SpikeAssessment[]): IncidentDecision[] {
  let open: OpenIncident | undefined;
  return assessments.map((a) => {
    const decision = decideIncident(a, open, config);
    if (decision.action === 'open' || decision.action === 'extend') open = decision.incident;
    if (decision.action === 'close') open = undefined;
    return decision;
  });
}

describe('decideIncident', () => {
  it('opens an incident keyed by scope and window on the first anomalous window', () => {
    const decision = decideIncident(assessment(3, true), undefined, config);

    expect(decision).toEqual({
      action: 'open',
      incident: {
        incidentKey: 'warehouse#WH-NYC#2026-11-20T10:15:00Z',
        scope: SCOPE,
        openedAt: '2026-11-20T10:15:00Z',
        lastAnomalousWindow: '2026-11-20T10:15:00Z',
      },
    });
  });

  it('computes the same incident key when a batch is redelivered, so a conditional write dedupes it', () => {
    const first = decideIncident(assessment(3, true), undefined, config);
    const redelivered = decideIncident(assessment(3, true), undefined, config);

    expect(redelivered).toEqual(first);
  });

  it('does nothing for a normal window when no incident is open', () => {
    expect(decideIncident(assessment(3, false), undefined, config)).toEqual({ action: 'none' });
  });

  it('extends the open incident on a later anomalous window, keeping its key', () => {
    const decision = decideIncident(assessment(5, true), incident(3, 4), config);

    expect(decision).toEqual({
      action: 'extend',
      incident: { ...incident(3, 4), lastAnomalousWindow: windowAt(5) },
    });
  });

  it('does nothing for an anomalous window at or before the last anomalous one (repeat or late)', () => {
    expect(decideIncident(assessment(4, true), incident(3, 4), config)).toEqual({ action: 'none' });
    expect(decideIncident(assessment(3, true), incident(3, 4), config)).toEqual({ action: 'none' });
  });

  it('keeps the incident open through fewer quiet windows than needed to close it', () => {
    for (let quiet = 1; quiet < config.quietWindowsToClose; quiet++) {
      expect(decideIncident(assessment(4 + quiet, false), incident(3, 4), config)).toEqual({
        action: 'none',
      });
    }
  });

  it('closes the incident after quietWindowsToClose normal windows following the last anomalous one', () => {
    const decision = decideIncident(
      assessment(4 + config.quietWindowsToClose, false),
      incident(3, 4),
      config,
    );

    expect(decision).toEqual({ action: 'close', incidentKey: 'warehouse#WH-NYC#2026-11-20T10:15:00Z' });
  });

  it('counts windows without events as quiet', () => {
    expect(decideIncident(assessment(40, false), incident(3, 4), config)).toMatchObject({ action: 'close' });
  });

  it('opens one incident over a run of anomalous windows, even with a normal window inside it', () => {
    const verdicts = [false, false, true, true, false, true, true, true, false, false, false, false];

    const decisions = run(verdicts.map((anomalous, index) => assessment(index, anomalous)));

    expect(decisions.map((d) => d.action)).toEqual([
      'none',
      'none',
      'open',
      'extend',
      'none',
      'extend',
      'extend',
      'extend',
      'none',
      'none',
      'close',
      'none',
    ]);
  });

  it('opens a second incident for a second spike after the first closed', () => {
    const verdicts = [true, true, false, false, false, false, true];

    const opened = run(verdicts.map((anomalous, index) => assessment(index, anomalous))).filter(
      (d) => d.action === 'open',
    );

    expect(opened.map((d) => d.incident.incidentKey)).toEqual([
      `${SCOPE}#${windowAt(0)}`,
      `${SCOPE}#${windowAt(6)}`,
    ]);
  });

  it('fails when the open incident belongs to another scope', () => {
    expect(() => decideIncident(assessment(5, true, 'warehouse#WH-BOS'), incident(3, 4), config)).toThrow(
      ScopeMismatch,
    );
  });
});

describe('baselineCutoffFor', () => {
  it('is the first recent window of the assessment that opened the incident', () => {
    expect(baselineCutoffFor(incident(3, 8), config)).toBe(windowAt(3 - config.recentWindows + 1));
    expect(baselineCutoffFor(undefined, config)).toBeUndefined();
  });

  it('is the start of the watch the incident grew out of, when that is earlier', () => {
    expect(baselineCutoffFor({ ...incident(30, 31), baselineBefore: windowAt(12) }, config)).toBe(
      windowAt(12),
    );
    expect(baselineCutoffFor({ ...incident(30, 31), baselineBefore: windowAt(30) }, config)).toBe(
      windowAt(30 - config.recentWindows + 1),
    );
  });
});

describe('detecting incidents window by window', () => {
  /** Three hours of 20 orders and 1 cancellation per window, then `spike` windows of 20 and 12, then calm again. */
  function history(spike: number): WindowCount[] {
    const calm = (index: number): WindowCount => ({
      scope: SCOPE,
      windowStart: windowAt(index),
      placed: 20,
      cancelled: 1,
    });
    return Array.from({ length: 36 + spike + 24 }, (_, index) =>
      index >= 36 && index < 36 + spike ? { ...calm(index), cancelled: 12 } : calm(index),
    );
  }

  function detect(counts: readonly WindowCount[]): IncidentDecision[] {
    let open: OpenIncident | undefined;
    const indexed = ScopeHistory.of(SCOPE, counts, config.windowMinutes);
    return counts.map((count) => {
      const a = assessWindow(indexed, count.windowStart, config, {
        baselineBefore: baselineCutoffFor(open, config),
      }).assessment;
      const decision = decideIncident(a, open, config);
      if (decision.action === 'open' || decision.action === 'extend') open = decision.incident;
      if (decision.action === 'close') open = undefined;
      return decision;
    });
  }

  it.each([2, 6, 24])('opens exactly one incident for a spike of %i windows and closes it after', (spike) => {
    const decisions = detect(history(spike));

    const opened = decisions.filter((d) => d.action === 'open');
    const closed = decisions.filter((d) => d.action === 'close');
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ incident: { openedAt: windowAt(36) } });
    expect(closed).toHaveLength(1);
  });
});

describe('incidentKeyParts', () => {
  it('reads back the scope and window of an incident key (`<scope>#<window start>`)', () => {
    expect(incidentKeyParts('region#us-east#2026-11-20T10:35:00Z')).toEqual({
      scope: 'region#us-east',
      windowStart: '2026-11-20T10:35:00Z',
    });
  });

  it.each([
    'nothing',
    'store#1#2026-11-20T10:35:00Z',
    'warehouse#WH-NYC#yesterday',
    'warehouse##2026-11-20T10:35:00Z',
  ])('is undefined for %p, which is not an incident key', (key) => {
    expect(incidentKeyParts(key)).toBeUndefined();
  });
});
