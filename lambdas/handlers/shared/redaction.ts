import { hmacPseudonymizer } from '../../adapters/redacting-stores';
import { createRedactor, type Redactor } from '../../domain/governance/redaction';

/** The PII redactor of the inference firewall: keyed pseudonyms when `REDACTION_KEY` is set, else plain tokens. */
export function redactorFromEnv(): Redactor {
  const key = process.env.REDACTION_KEY;
  return createRedactor(key ? { pseudonymize: hmacPseudonymizer(key) } : {});
}
