import { AppConfigProvider } from '@aws-lambda-powertools/parameters/appconfig';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import { parseGovernanceConfigText, type GovernanceConfig } from '../../domain/governance/governance-config';
import { ConfigurationError, requireEnv } from './environment';

/** The configuration document as AppConfig serves it (Powertools gives the bytes). */
export type GovernanceDocument = Awaited<ReturnType<AppConfigProvider['get']>>;

/**
 * Reads the governance configuration document from AppConfig through Powertools Parameters, reused for
 * `GOVERNANCE_CONFIG_MAX_AGE_SECONDS` (default 30): a new deployment takes effect within that age, without a
 * deploy of the function.
 */
export function governanceDocuments(tracer: Tracer): () => Promise<GovernanceDocument> {
  const raw = process.env.GOVERNANCE_CONFIG_MAX_AGE_SECONDS ?? '30';
  const maxAge = Number(raw);
  if (!Number.isInteger(maxAge) || maxAge < 0) {
    throw new ConfigurationError(
      `GOVERNANCE_CONFIG_MAX_AGE_SECONDS must be a whole number of seconds, got ${raw}`,
    );
  }
  const profile = requireEnv('GOVERNANCE_CONFIG_PROFILE');
  const provider = new AppConfigProvider({
    application: requireEnv('GOVERNANCE_CONFIG_APPLICATION'),
    environment: requireEnv('GOVERNANCE_CONFIG_ENVIRONMENT'),
    awsSdkV3Client: tracer.captureAWSv3Client(new AppConfigDataClient({})),
  });
  return () => provider.get(profile, { maxAge });
}

/**
 * The governance configuration for functions that need its settings but not its policies (the policy agent
 * parses those with Cedar): validated once per document; an invalid one fails the read, naming the field.
 */
export function governanceReader(tracer: Tracer): () => Promise<GovernanceConfig> {
  const read = governanceDocuments(tracer);
  let current: { text: string; config: GovernanceConfig } | undefined;
  return async () => {
    const document = await read();
    const text = typeof document === 'string' ? document : Buffer.from(document ?? []).toString('utf8');
    if (current?.text !== text) current = { text, config: parseGovernanceConfigText(text) };
    return current.config;
  };
}
