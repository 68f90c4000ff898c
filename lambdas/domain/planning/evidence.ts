import type { EpisodicRecord } from '../memory/episodic';

/** One line of evidence from the entity's remediation outcomes in episodic memory. */
export function outcomeEvidence(entity: string, history: readonly EpisodicRecord[], days: number): string {
  const outcomes = history.filter((record) => record.kind === 'remediation_outcome');
  if (outcomes.length === 0) return `no remediation of ${entity} in the last ${days} days (episodic memory)`;
  const succeeded = outcomes.filter((record) => record.data.outcome === 'succeeded').length;
  const compensated = outcomes.length - succeeded;
  return `${outcomes.length} remediation(s) of ${entity} in the last ${days} days: ${succeeded} succeeded, ${compensated} compensated (episodic memory)`;
}
