import { hmacPseudonymizer } from '../../adapters/redacting-stores';
import { createRedactor, type Redactor } from '../../domain/governance/redaction';
import { optionalText } from './config';

/** The variables of a function that redacts: `REDACTION_KEY`, the key of the pseudonyms (optional). */
export const redactionVariables = { REDACTION_KEY: optionalText };

/** The PII redactor of the inference firewall: keyed pseudonyms when a key is configured, else plain tokens. */
export function redactorWith(key: string | undefined): Redactor {
  return createRedactor(key ? { pseudonymize: hmacPseudonymizer(key) } : {});
}
