import { z } from 'zod';
import { resolveDetectorConfig } from '../../domain/monitoring/detector-config';
import { InvalidDetectorConfig } from '../../domain/monitoring/errors';

/**
 * `DETECTOR_CONFIG` (JSON): the detector's overrides, merged on its defaults and checked by the domain's rules; a
 * bad field is reported under its own name. Read by every function that counts in the detector's windows.
 */
export const detectorConfigVariable = z.unknown().transform((overrides, context) => {
  try {
    return resolveDetectorConfig(overrides ?? {});
  } catch (error) {
    if (!(error instanceof InvalidDetectorConfig)) throw error;
    const path = error.field === '(config)' ? [] : [error.field];
    context.addIssue({ code: 'custom', path, message: `expected ${error.expected}` });
    return z.NEVER;
  }
});
