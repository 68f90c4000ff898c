import { sessionTagValue } from '../domain/governance/task-session';

/**
 * The partition of an incident's operations records (tickets, notifications): `incident#<incident tag>`, the
 * correlation id as the task session's `incident` tag carries it. A session may touch only its own incident's
 * partition (`dynamodb:LeadingKeys` `incident#${aws:PrincipalTag/incident}`).
 */
export const incidentPartition = (correlationId: string): string =>
  `incident#${sessionTagValue(correlationId, 'correlationId')}`;
