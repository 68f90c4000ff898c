import { AppConfigProvider } from '@aws-lambda-powertools/parameters/appconfig';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import { z } from 'zod';
import { parseGovernanceConfigText, type GovernanceConfig } from '../../domain/governance/governance-config';
import { numberOr, requiredText } from './config';

/** The configuration document as AppConfig serves it (Powertools gives the bytes). */
export type GovernanceDocument = Awaited<ReturnType<AppConfigProvider['get']>>;

/** The variables of a function that reads the governance configuration (`Governance.readerEnvironment()`). */
export const governanceVariables = {
  GOVERNANCE_CONFIG_APPLICATION: requiredText,
  GOVERNANCE_CONFIG_ENVIRONMENT: requiredText,
  GOVERNANCE_CONFIG_PROFILE: requiredText,
  /** How long a document read is reused: a new deployment takes effect within that age. */
  GOVERNANCE_CONFIG_MAX_AGE_SECONDS: numberOr(
    30,
    z.number().int('must be a whole number of seconds').nonnegative('must be a whole number of seconds'),
  ),
};
export type GovernanceSettings = z.output<z.ZodObject<typeof governanceVariables>>;

/**
 * Reads the governance configuration document from AppConfig through Powertools Parameters, reused for
 * `GOVERNANCE_CONFIG_MAX_AGE_SECONDS` (default 30): a new deployment takes effect within that age, without a
 * deploy of the function.
 */
export function governanceDocuments(
  tracer: Tracer,
  settings: GovernanceSettings,
): () => Promise<GovernanceDocument> {
  const provider = new AppConfigProvider({
    application: settings.GOVERNANCE_CONFIG_APPLICATION,
    environment: settings.GOVERNANCE_CONFIG_ENVIRONMENT,
    awsSdkV3Client: tracer.captureAWSv3Client(new AppConfigDataClient({})),
  });
  const maxAge = settings.GOVERNANCE_CONFIG_MAX_AGE_SECONDS;
  return () => provider.get(settings.GOVERNANCE_CONFIG_PROFILE, { maxAge });
}

/**
 * The governance configuration for functions that need its settings but not its policies (the policy agent
 * parses those with Cedar): validated once per document; an invalid one fails the read, naming the field.
 */
export function governanceReader(
  tracer: Tracer,
  settings: GovernanceSettings,
): () => Promise<GovernanceConfig> {
  const read = governanceDocuments(tracer, settings);
  let current: { text: string; config: GovernanceConfig } | undefined;
  return async () => {
    const document = await read();
    const text = typeof document === 'string' ? document : Buffer.from(document ?? []).toString('utf8');
    if (current?.text !== text) current = { text, config: parseGovernanceConfigText(text) };
    return current.config;
  };
}
