import type { TimelineNote } from '../timeline';
import type { AlarmTransition } from './local-cloudwatch';

/**
 * The timeline's lines for alarms: every change into or out of ALARM, at its virtual time (the first
 * INSUFFICIENT_DATA → OK of each alarm says nothing to an operator and is left out).
 */
export function alarmNotes(transitions: readonly AlarmTransition[]): TimelineNote[] {
  return transitions
    .filter((t) => t.to === 'ALARM' || t.from === 'ALARM')
    .map((t) => ({
      time: t.time,
      source: 'aws.cloudwatch',
      type: `alarm ${t.to}`,
      text: `${t.alarmName}: ${t.to === 'ALARM' ? t.reason : `recovered (${t.reason})`}`,
    }));
}
