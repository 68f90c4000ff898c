/** What operators decided in one hour: approvals answered, and how many of them were rejections (overrides). */
export interface HourOfDecisions {
  /** The hour's start (ISO 8601). */
  readonly start: string;
  readonly decisions: number;
  readonly overrides: number;
}

export interface OverrideRate {
  /** Every hour of the range, oldest first; an hour without decisions has no rate (null), as the alarm sees it. */
  readonly hours: readonly (HourOfDecisions & { readonly rate: number | null })[];
  readonly decisions: number;
  readonly overrides: number;
  /** overrides / decisions over the range, null without decisions. */
  readonly rate: number | null;
  /** The hourly rate above which the override-rate alarm fires. */
  readonly threshold: number;
}

const HOUR = 3_600_000;

/** The hours ending with the one that holds `now`: `[start, end)`, on hour boundaries. */
export function overrideRateRange(now: number, hours: number): { start: number; end: number } {
  const end = Math.floor(now / HOUR) * HOUR + HOUR;
  return { start: end - hours * HOUR, end };
}

/**
 * The override rate of change management: operator rejections over operator decisions, per hour and over the
 * range, from the hourly sums the operator API records (`OperatorDecisions`, `OperatorOverrides`). Hours missing
 * from `recorded` had no decision.
 */
export function overrideRate(
  recorded: readonly HourOfDecisions[],
  range: { start: number; end: number },
  threshold: number,
): OverrideRate {
  const byHour = new Map(recorded.map((hour) => [Date.parse(hour.start), hour]));
  const hours: OverrideRate['hours'][number][] = [];
  let decisions = 0;
  let overrides = 0;
  for (let at = range.start; at < range.end; at += HOUR) {
    const hour = byHour.get(at);
    const decided = hour?.decisions ?? 0;
    const overridden = hour?.overrides ?? 0;
    decisions += decided;
    overrides += overridden;
    hours.push({
      start: new Date(at).toISOString(),
      decisions: decided,
      overrides: overridden,
      rate: decided > 0 ? overridden / decided : null,
    });
  }
  return { hours, decisions, overrides, rate: decisions > 0 ? overrides / decisions : null, threshold };
}
