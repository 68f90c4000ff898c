import type { TimelineNote } from '../timeline';
import type { AlarmNotification } from './alarm-actions';
import type { AlarmTransition } from './local-cloudwatch';

/**
 * The timeline's lines for alarms: every change into or out of ALARM, at its virtual time (the first
 * INSUFFICIENT_DATA → OK of each alarm says nothing to an operator and is left out), with what became of its
 * notifications: the topics told, and any the alarm could not publish to, with AWS's reason.
 */
export function alarmNotes(transitions: readonly AlarmTransition[]): TimelineNote[] {
  return transitions
    .filter((t) => t.to === 'ALARM' || t.from === 'ALARM')
    .map((t) => ({
      time: t.time,
      source: 'aws.cloudwatch',
      type: `alarm ${t.to}`,
      text: `${t.alarmName}: ${t.to === 'ALARM' ? t.reason : `recovered (${t.reason})`}${notificationText(t.notifications)}`,
    }));
}

/** `; notified ops-topic` — or, for a notification refused, `; NOT notified ops-topic: <reason>`. */
function notificationText(notifications: readonly AlarmNotification[]): string {
  return notifications
    .map((n) => {
      const name = n.action.split(':').at(-1) ?? n.action;
      return n.delivered ? `; notified ${name}` : `; NOT notified ${name}: ${n.reason ?? 'refused'}`;
    })
    .join('');
}
