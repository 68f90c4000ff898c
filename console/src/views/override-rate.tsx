import type { OverrideRate } from '../api';

const percent = (rate: number | null) => (rate === null ? '–' : `${Math.round(rate * 100)}%`);

/**
 * Change management: how often operators overrode the agents (rejected what they asked to do), over the last day
 * and in the current hour — the hour the override-rate alarm judges against its threshold.
 */
export function OverrideRatePanel({ rate }: { rate: OverrideRate | undefined }) {
  if (rate === undefined) return null;
  const hour = rate.hours.at(-1);
  const alarming = hour?.rate != null && hour.rate > rate.threshold;
  return (
    <section class="override-rate" aria-label="Override rate" data-testid="override-rate">
      <h2>Override rate</h2>
      <p>
        Last {rate.hours.length} h: {rate.overrides} of {rate.decisions} decisions overridden (
        {percent(rate.rate)}).
      </p>
      <p class={alarming ? 'alarming' : undefined}>
        This hour: {percent(hour?.rate ?? null)} — the alarm fires above {percent(rate.threshold)}.
      </p>
    </section>
  );
}
