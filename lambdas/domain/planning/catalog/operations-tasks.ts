import {
  notifyCustomersParameters,
  openTicketParameters,
  pauseIntakeParameters,
} from '../../contracts/operations';
import { scopeCheck, sinceCheck, type TaskSpec } from './task-spec';

/** Stops routing orders to a failing warehouse; the operations agent runs it. */
export const pauseWarehouseIntake: TaskSpec<'pause_warehouse_intake'> = {
  taskType: 'pause_warehouse_intake',
  description:
    'Pause the intake of a failing warehouse: while paused, no reroute or rebalance sends orders to it. Lifted by its compensation, or by an operator.',
  parameters: pauseIntakeParameters.extend({
    warehouseId: pauseIntakeParameters.shape.warehouseId.describe(
      "The warehouse to pause: the incident's warehouse, or a contributor of a region incident.",
    ),
  }),
  baseCostCents: 1_000,
  risk: 'medium',
  slaSeconds: 120,
  timeoutSeconds: 300,
  idempotencyPrefix: 'pause-intake',
  compensation: {
    taskType: 'resume_warehouse_intake',
    timeoutSeconds: 300,
    idempotencyPrefix: 'resume-intake',
    parameters: (params, key) => ({ warehouseId: params.warehouseId, pauseIdempotencyKey: key }),
  },
  check: (params, incident) => {
    if (incident.scope.type === 'warehouse') {
      return params.warehouseId === incident.scope.id
        ? undefined
        : `warehouseId must be the incident's warehouse "${incident.scope.id}", got "${params.warehouseId}"`;
    }
    const contributors = (incident.contributors ?? []).map((c) => c.warehouseId);
    return contributors.includes(params.warehouseId)
      ? undefined
      : `warehouseId must be a contributor of the region incident (${contributors.join(', ') || 'none named'}), got "${params.warehouseId}"`;
  },
  summarize: (params) => `Pause the intake of ${params.warehouseId}.`,
};

/** Opens a ticket for the operators; the operations agent runs it. */
export const openIncidentTicket: TaskSpec<'open_incident_ticket'> = {
  taskType: 'open_incident_ticket',
  description:
    'Open an incident ticket for the operators about the incident, with a severity (sev1 most urgent). Closed by its compensation when the remediation is undone.',
  parameters: openTicketParameters.extend({
    scopeType: openTicketParameters.shape.scopeType.describe("The incident's scope type."),
    scopeId: openTicketParameters.shape.scopeId.describe("The incident's warehouse or region."),
    severity: openTicketParameters.shape.severity.describe('sev1 (most urgent), sev2 or sev3.'),
  }),
  baseCostCents: 50,
  risk: 'low',
  slaSeconds: 60,
  timeoutSeconds: 120,
  idempotencyPrefix: 'ticket',
  compensation: {
    taskType: 'close_incident_ticket',
    timeoutSeconds: 120,
    idempotencyPrefix: 'close-ticket',
    parameters: (_params, key) => ({ ticketId: key }),
  },
  check: (params, incident) => scopeCheck('open_incident_ticket', params, incident),
  summarize: (params) =>
    `Open a ${params.severity} incident ticket for ${params.scopeType} ${params.scopeId}.`,
};

/** Tells the affected customers; nothing can take a message back, so it is irreversible. */
export const notifyCustomers: TaskSpec<'notify_customers'> = {
  taskType: 'notify_customers',
  description:
    'Notify the customers with open orders in the incident scope (placed since a time) with a message template. Irreversible: a sent message cannot be taken back.',
  parameters: notifyCustomersParameters.extend({
    scopeType: notifyCustomersParameters.shape.scopeType.describe("The incident's scope type."),
    scopeId: notifyCustomersParameters.shape.scopeId.describe("The incident's warehouse or region."),
    since: notifyCustomersParameters.shape.since.describe(
      'Customers with open orders placed at or after this ISO 8601 time; at or before the end of the incident window.',
    ),
    template: notifyCustomersParameters.shape.template.describe(
      'delivery_delay (the order is late) or order_rerouted (it ships from another warehouse).',
    ),
  }),
  baseCostCents: 500,
  risk: 'high',
  slaSeconds: 900,
  timeoutSeconds: 300,
  idempotencyPrefix: 'notify',
  irreversible: true,
  check: (params, incident) =>
    scopeCheck('notify_customers', params, incident) ?? sinceCheck(params.since, incident),
  summarize: (params) =>
    `Notify customers of ${params.scopeType} ${params.scopeId} with orders since ${params.since} (${params.template}).`,
};
