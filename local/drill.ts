import * as path from 'node:path';
import { networkEvents } from '../scenarios/network-events';
import type { AlarmTransition } from './cloudwatch/local-cloudwatch';
import type { ConsumerAccount } from './accounting';
import { parseFaults } from './faults';
import { incidentKpis, type IncidentKpi } from './kpi';
import { replayFile } from './replay-file';
import type { Sandbox } from './sandbox';

/** A readiness drill: the walk-through with one fault, and what operations must see. */
export interface DrillDefinition {
  readonly name: string;
  readonly description: string;
  /** The `--fault` values it injects. */
  readonly faults: readonly string[];
  /**
   * The alarm that must fire, by its construct id under `Operations` (e.g. `MonitoringAgentQueueAge`), or
   * `none` when the platform must absorb the fault without paging anyone.
   */
  readonly expectedAlarm: string;
  /** The alarm must be in ALARM within this many virtual minutes of the fault's first effect. */
  readonly responseWindowMinutes: number;
  /** When the fault first acted (virtual ms). */
  readonly faultStart: (sandbox: Sandbox) => number | undefined;
}

const firstEvent = (sandbox: Sandbox, match: (type: string, id: string) => boolean): number | undefined => {
  for (const event of sandbox.bus.archive)
    if (match(event['detail-type'], event.id)) return Date.parse(event.time);
  return undefined;
};
const firstOrder = (sandbox: Sandbox) =>
  firstEvent(sandbox, (type) => type === 'order_placed' || type === 'order_cancelled');

/** The drills `npm run drill -- <name>` runs; each response window is the promise operations make. */
export const DRILL_CATALOG: readonly DrillDefinition[] = [
  {
    name: 'slow-consumer',
    description:
      'the monitoring agent takes 10 s per record for 30 minutes: its stream backs up, then catches up',
    faults: ['slow-consumer=monitoring-agent'],
    expectedAlarm: 'MonitoringAgentQueueAge',
    responseWindowMinutes: 20,
    faultStart: (sandbox) => sandbox.faultStartedAt,
  },
  {
    name: 'poison-pill',
    description: 'one order_placed that always fails the order book: isolated, retried, kept in its DLQ',
    faults: ['poison-pill'],
    expectedAlarm: 'OrderBookDeadLetters',
    responseWindowMinutes: 15,
    faultStart: (sandbox) => firstEvent(sandbox, (_type, id) => id === 'poison-pill-0001'),
  },
  {
    name: 'llm-rate-limit',
    description: 'Bedrock throttles every Converse call: plans fall back to the rule planner',
    faults: ['llm-rate-limit'],
    expectedAlarm: 'PlanningAgentModelThrottles',
    responseWindowMinutes: 10,
    // The model is first called for the first spike.
    faultStart: (sandbox) => firstEvent(sandbox, (type) => type === 'order_cancellation_spike'),
  },
  {
    name: 'lambda-timeout',
    description:
      'for 30 minutes, every other invocation of the monitoring agent hangs until its timeout; SQS redelivers',
    faults: ['lambda-timeout=monitoring-agent'],
    expectedAlarm: 'MonitoringAgentErrors',
    responseWindowMinutes: 10,
    faultStart: (sandbox) => sandbox.faultStartedAt,
  },
  {
    name: 'duplicate-delivery',
    description: 'every rule target receives every event twice: idempotency absorbs it, no one is paged',
    faults: ['duplicate-delivery'],
    expectedAlarm: 'none',
    responseWindowMinutes: 0,
    faultStart: firstOrder,
  },
];

class DrillError extends Error {
  override readonly name = 'DrillError';
}

export function drillNamed(name: string): DrillDefinition {
  const drill = DRILL_CATALOG.find((d) => d.name === name);
  if (!drill)
    throw new DrillError(`no drill "${name}"; drills: ${DRILL_CATALOG.map((d) => d.name).join(', ')}`);
  return drill;
}

/** One check of a drill's verdict. */
interface DrillCheck {
  readonly name: 'alarm' | 'response time' | 'resolution' | 'nothing lost';
  readonly passed: boolean;
  readonly detail: string;
}

export interface DrillResult {
  readonly drill: DrillDefinition;
  readonly passed: boolean;
  readonly checks: readonly DrillCheck[];
  readonly faultStart?: number;
  /** The expected alarm's first transition to ALARM. */
  readonly alarmAt?: number;
  /** Every alarm transition of the run (virtual time). */
  readonly transitions: readonly AlarmTransition[];
  readonly incidents: readonly IncidentKpi[];
  readonly accounts: readonly ConsumerAccount[];
}

export interface DrillOptions {
  readonly assemblyDir: string;
  /** @default scenarios/retail-walkthrough.ndjson */
  readonly eventsFile?: string;
  /**
   * Incidents the run must detect (a fault must not hide one). @default 2 for the walk-through (its two WH-NYC
   * incidents), else 1
   */
  readonly expectedIncidents?: number;
  /** @default config/retail-network.json */
  readonly networkFile?: string;
  readonly logDir?: string;
  /** Services of the template (for naming the agent of a fault). */
  readonly services: readonly string[];
  /** Looks at the sandbox after the verdict and before it stops (tests read its tables and queues). @default - none */
  readonly inspect?: (sandbox: Sandbox) => Promise<void>;
}

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
const iso = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

/**
 * Runs the walk-through with the drill's fault on the virtual clock and judges it: the expected alarm went to
 * ALARM within the response window of the fault's first effect (or, for `none`, no alarm fired), every incident
 * was resolved or escalated, and no event was lost or left pending.
 */
export async function runDrill(drill: DrillDefinition, options: DrillOptions): Promise<DrillResult> {
  const root = path.resolve(__dirname, '..');
  const eventsFile = options.eventsFile ?? path.join(root, 'scenarios', 'retail-walkthrough.ndjson');
  const network = networkEvents(
    options.networkFile ?? path.join(root, 'config', 'retail-network.json'),
    new Date(0),
  );
  const faults = parseFaults(drill.faults, options.services);
  const { sandbox } = await replayFile(eventsFile, {
    assemblyDir: options.assemblyDir,
    ...(options.logDir === undefined ? {} : { logDir: options.logDir }),
    faults: faults.sandbox,
    poisonPill: faults.poisonPill,
    prelude: (time) => network.map((event) => ({ ...event, time: time.toISOString() })),
  });
  try {
    const faultStart = drill.faultStart(sandbox);
    // Let the alarms see the whole response window, even when the run's last event came sooner.
    if (faultStart !== undefined) {
      const until = faultStart + (drill.responseWindowMinutes + 2) * 60_000;
      if (until > sandbox.clock.now()) await sandbox.advanceTo(until);
    }
    const transitions = [...sandbox.cloudwatch.transitions];
    const alarmed = transitions.filter((t) => t.to === 'ALARM');
    const checks: DrillCheck[] = [];
    let alarmAt: number | undefined;
    if (drill.expectedAlarm === 'none') {
      checks.push({
        name: 'alarm',
        passed: alarmed.length === 0,
        detail:
          alarmed.length === 0
            ? 'no alarm fired: the fault was absorbed'
            : `alarms fired: ${[...new Set(alarmed.map((t) => t.logicalId))].join(', ')}`,
      });
      checks.push({ name: 'response time', passed: true, detail: 'no alarm expected' });
    } else {
      const prefix = `Operations${drill.expectedAlarm}`;
      const known = sandbox.cloudwatch.alarms.filter((a) => a.logicalId.startsWith(prefix));
      const [expected] = known;
      if (expected === undefined || known.length !== 1)
        throw new DrillError(
          `drill ${drill.name}: the template has ${known.length} alarm(s) named ${prefix}…`,
        );
      const first = alarmed.find((t) => t.logicalId === expected.logicalId);
      alarmAt = first?.time;
      // An alarm nobody hears is no response: its notification must reach the operators' topic too.
      const refused = first?.notifications.filter((n) => !n.delivered) ?? [];
      const told = first?.notifications.filter((n) => n.delivered) ?? [];
      checks.push({
        name: 'alarm',
        passed: first !== undefined && told.length > 0 && refused.length === 0,
        detail: first
          ? `${drill.expectedAlarm} went to ALARM at ${iso(first.time)}: ${first.reason}; ${
              refused.length > 0
                ? `notification NOT delivered: ${refused.map((n) => n.reason).join('; ')}`
                : told.length > 0
                  ? `notified ${told.map((n) => n.action).join(', ')}`
                  : 'it has no alarm action: nobody is notified'
            }`
          : `${drill.expectedAlarm} never went to ALARM`,
      });
      const within =
        first !== undefined &&
        faultStart !== undefined &&
        first.time - faultStart <= drill.responseWindowMinutes * 60_000;
      checks.push({
        name: 'response time',
        passed: within,
        detail:
          faultStart === undefined
            ? 'the fault never acted'
            : first === undefined
              ? `no alarm within ${drill.responseWindowMinutes} min of the fault (${iso(faultStart)})`
              : `${minutes(first.time - faultStart)} after the fault (${iso(faultStart)}); window ${drill.responseWindowMinutes} min`,
      });
    }
    const incidents = incidentKpis(sandbox.bus.archive);
    const running = sandbox.sfn.runningExecutions();
    const unclosed = incidents.filter((k) => k.outcome !== 'resolved' && k.outcome !== 'escalated');
    const expectedIncidents = options.expectedIncidents ?? (options.eventsFile === undefined ? 2 : 1);
    checks.push({
      name: 'resolution',
      passed: incidents.length >= expectedIncidents && unclosed.length === 0 && running === 0,
      detail: `${incidents.length} incident(s) detected of ${expectedIncidents} expected${incidents.length > 0 ? `: ${incidents.map((k) => `${k.scope} ${k.outcome}`).join(', ')}` : ''}${running > 0 ? `; ${running} saga execution(s) still running` : ''}`,
    });
    const accounts = sandbox.accountingReport();
    const lost = accounts.reduce((n, a) => n + a.lost, 0);
    const pending = accounts.reduce((n, a) => n + a.pending, 0);
    const deadLettered = accounts.reduce((n, a) => n + a.deadLettered, 0);
    checks.push({
      name: 'nothing lost',
      passed: lost === 0 && pending === 0,
      detail: `lost ${lost}, pending ${pending}, in a DLQ with their reason ${deadLettered}, over ${accounts.length} consumers`,
    });
    await options.inspect?.(sandbox);
    return {
      drill,
      passed: checks.every((c) => c.passed),
      checks,
      ...(faultStart === undefined ? {} : { faultStart }),
      ...(alarmAt === undefined ? {} : { alarmAt }),
      transitions,
      incidents,
      accounts,
    };
  } finally {
    await sandbox.stop();
  }
}

/** The verdict as `npm run drill` prints it. */
export function formatVerdict(result: DrillResult): string[] {
  const lines = [`Drill ${result.drill.name}: ${result.drill.description}`, ''];
  for (const check of result.checks)
    lines.push(`  ${check.passed ? 'PASS' : 'FAIL'}  ${check.name.padEnd(13)} ${check.detail}`);
  lines.push('', 'Alarm state changes (virtual time):');
  const shown = result.transitions.filter((t) => t.to === 'ALARM' || t.from === 'ALARM');
  if (shown.length === 0) lines.push('  none');
  for (const t of shown) {
    const refused = t.notifications.filter((n) => !n.delivered).length;
    const told = t.notifications.length - refused;
    const heard = refused > 0 ? `, ${refused} notification(s) NOT delivered` : told > 0 ? ', notified' : '';
    lines.push(`  ${iso(t.time)}  ${t.alarmName}  ${t.from} → ${t.to}${heard}`);
  }
  lines.push('', `Verdict: ${result.passed ? 'PASS' : 'FAIL'}`);
  return lines;
}
