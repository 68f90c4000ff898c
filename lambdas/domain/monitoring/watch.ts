import { type DetectorConfig } from './detector-config';
import type { BlockVerdicts } from './detector';
import type { OpenIncident } from './incidents';
import { epochMsOf, isoOf } from './windows';

/** Where a scope's watch is kept: beside its incident, under its own key. */
export const watchOf = (scope: string): string => `watch#${scope}`;

/**
 * A scope without an open incident is watched from the first window of an elevated block until it has been
 * normal for `watchQuietWindows` windows, or for at most `watchWindows`: while watched, its baseline is frozen
 * before the elevation (stored as an {@link OpenIncident} whose `openedAt` is that window).
 */
export function nextWatch(
  watch: OpenIncident | undefined,
  scope: string,
  verdict: BlockVerdicts,
  index: number,
  windowMs: number,
  config: DetectorConfig,
): OpenIncident | undefined {
  if (config.watchWindows === 0) return undefined;
  const windowStart = isoOf(index * windowMs);
  if (watch === undefined) {
    if (!verdict.elevated || verdict.elevatedFrom === undefined) return undefined;
    const since = isoOf(verdict.elevatedFrom * windowMs);
    return { incidentKey: watchOf(scope), scope, openedAt: since, lastAnomalousWindow: windowStart };
  }
  const since = Math.floor(epochMsOf(watch.openedAt) / windowMs);
  const last = Math.floor(epochMsOf(watch.lastAnomalousWindow) / windowMs);
  if (index - since > config.watchWindows) return undefined;
  if (verdict.elevated) return index > last ? { ...watch, lastAnomalousWindow: windowStart } : watch;
  return index - last >= config.watchQuietWindows ? undefined : watch;
}
