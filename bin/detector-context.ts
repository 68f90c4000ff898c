import { resolveDetectorConfig } from '../lambdas/domain/monitoring/detector-config';

/**
 * The `detectorConfig` context (`-c detectorConfig='{"maxPValue":1e-9}'`, or an object in cdk.json): overrides of
 * the detector's settings (lambdas/domain/monitoring/detector.ts), checked at synth so a wrong one fails it naming
 * the setting, instead of failing the monitoring agent's cold start.
 */
export function detectorConfigFromContext(value: unknown): Record<string, number> | undefined {
  if (value === undefined) return undefined;
  let overrides: unknown = value;
  if (typeof value === 'string') {
    try {
      overrides = JSON.parse(value);
    } catch {
      throw new Error(`-c detectorConfig: not JSON: ${value}`);
    }
  }
  resolveDetectorConfig(overrides);
  return overrides as Record<string, number>;
}
