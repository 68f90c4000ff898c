/** A message to the customers of an incident's scope; once sent it cannot be taken back. */
export interface CustomerNotification {
  readonly notificationId: string;
  readonly correlationId: string;
  readonly scopeType: 'warehouse' | 'region';
  readonly scopeId: string;
  /** Customers with open orders placed at or after this time. */
  readonly since: string;
  readonly template: 'delivery_delay' | 'order_rerouted';
}

/** Port: the record of notifications sent. */
export interface NotificationLog {
  /** Records the notification once; returns when it was first recorded (a repeat returns the same time). */
  record(notification: CustomerNotification, at: string): Promise<{ readonly sentAt: string }>;
}

/** `notify_customers` (irreversible): recorded once per idempotency key, whatever the redeliveries. */
export function notifyCustomers(
  notification: CustomerNotification,
  at: string,
  log: NotificationLog,
): Promise<{ readonly sentAt: string }> {
  return log.record(notification, at);
}
