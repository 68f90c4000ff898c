import { z } from 'zod';

/**
 * Contracts of the operations commands (warehouse intake, incident tickets, customer notifications) and of the
 * operations agent's answers. Commands carry the saga's task token; answers echo it so the saga resumes.
 */

const isoTime = z.iso.datetime({ offset: true });

const commandFields = {
  schemaVersion: z.literal(1),
  correlationId: z.string().min(1),
  planId: z.string().min(1),
  taskId: z.string().min(1),
  idempotencyKey: z.string().min(1),
  /** The saga's task token; echoed in the answer so the saga resumes. */
  taskToken: z.string().min(1),
};

const incidentScope = {
  scopeType: z.enum(['warehouse', 'region']),
  scopeId: z.string().min(1),
};

/** Stop routing new orders to a warehouse: a paused warehouse is never a reroute destination. */
export const pauseIntakeParameters = z.object({
  warehouseId: z.string().min(1),
});

export const resumeIntakeParameters = z.object({
  warehouseId: z.string().min(1),
  /** The idempotency key of the pause to lift; other pauses of the warehouse stay. */
  pauseIdempotencyKey: z.string().min(1),
});

export const openTicketParameters = z.object({
  ...incidentScope,
  severity: z.enum(['sev1', 'sev2', 'sev3']),
});

export const closeTicketParameters = z.object({
  /** The ticket to close: the idempotency key of the task that opened it. */
  ticketId: z.string().min(1),
});

export const notifyCustomersParameters = z.object({
  ...incidentScope,
  /** Customers with open orders placed at or after this time are told. */
  since: isoTime,
  template: z.enum(['delivery_delay', 'order_rerouted']),
});

export const pauseWarehouseIntakeV1 = z.object({ ...commandFields, parameters: pauseIntakeParameters });
export type PauseWarehouseIntake = z.infer<typeof pauseWarehouseIntakeV1>;
export const resumeWarehouseIntakeV1 = z.object({ ...commandFields, parameters: resumeIntakeParameters });
export type ResumeWarehouseIntake = z.infer<typeof resumeWarehouseIntakeV1>;
export const openIncidentTicketV1 = z.object({ ...commandFields, parameters: openTicketParameters });
export type OpenIncidentTicket = z.infer<typeof openIncidentTicketV1>;
export const closeIncidentTicketV1 = z.object({ ...commandFields, parameters: closeTicketParameters });
export type CloseIncidentTicket = z.infer<typeof closeIncidentTicketV1>;
export const notifyCustomersV1 = z.object({ ...commandFields, parameters: notifyCustomersParameters });
export type NotifyCustomers = z.infer<typeof notifyCustomersV1>;

export const warehouseIntakePausedV1 = z.object({
  ...commandFields,
  warehouseId: z.string().min(1),
  /** How many pauses (this one included) now hold the warehouse's intake. */
  activePauses: z.number().int().positive(),
});

export const warehouseIntakeResumedV1 = z.object({
  ...commandFields,
  warehouseId: z.string().min(1),
  /** `open` when no other pause holds the warehouse; `paused` when another incident still does. */
  intake: z.enum(['open', 'paused']),
  activePauses: z.number().int().nonnegative(),
});

export const incidentTicketOpenedV1 = z.object({
  ...commandFields,
  ticketId: z.string().min(1),
  ...incidentScope,
  severity: z.enum(['sev1', 'sev2', 'sev3']),
  status: z.literal('open'),
});

export const incidentTicketClosedV1 = z.object({
  ...commandFields,
  ticketId: z.string().min(1),
  status: z.literal('closed'),
  /** False when the ticket was never opened: the close left a tombstone that a late open honours. */
  wasOpen: z.boolean(),
});

export const customersNotifiedV1 = z.object({
  ...commandFields,
  notificationId: z.string().min(1),
  ...incidentScope,
  since: isoTime,
  template: z.enum(['delivery_delay', 'order_rerouted']),
  /** When the notification was first recorded (a redelivery reports the same time). */
  sentAt: isoTime,
});
