import './polyfills';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { approvalPrompt, approvalRequestOf } from './approval-prompt';
import type { ApprovalHoldOptions } from './approval-hold';
import { ensureAssembly } from './assembly';
import { removeEndpointFile, writeEndpointFile } from './endpoint-file';
import { DRILLS, parseFaults } from './faults';
import {
  incidentsOf,
  keepAsLastRun,
  keepTraces,
  newRunDir,
  resolvedOutputs,
  type RunManifest,
} from './last-run';
import { REORDER_SECONDS, replayFile, writeArchive } from './replay-file';
import type { Sandbox } from './sandbox';
import { sandboxDir } from './sandbox-dir';
import { resolveScenario, scenarioNames } from './scenario';
import { loadTemplate } from './template';
import { alarmNotes } from './cloudwatch/timeline-notes';
import { formatKpis, incidentKpis } from './kpi';
import { formatTimeline } from './timeline';
import { networkEvents } from '../scenarios/network-events';

const root = path.resolve(__dirname, '..');
const userPath = (file: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), file);

const usage = `Usage: npm start -- [--scenario <name> | --events <file.ndjson>] [--network <file.json>] [--out <file.ndjson>] [--logs <dir>]

Runs the synthesized app in the sandbox, replays the events (default: the retail walk-through) on a
virtual clock driven by event time, and prints the incident timeline.

  --scenario <name> replay scenarios/<name>/ (events.ndjson, with its network.json and governance.json when it
                   has them): ${scenarioNames(path.resolve(__dirname, '..', 'scenarios')).join(', ')}
  --events <file>  NDJSON file of EventBridge envelopes to replay (default scenarios/retail-walkthrough.ndjson)
  --network <file> seed the fulfillment network: one warehouse_updated per warehouse of the file, a minute
                   before the first event (default for the walk-through: config/retail-network.json; without
                   it, warehouses are learnt from the orders)
  --out <file>     write every event put on the bus, one JSON envelope per line
  --logs <dir>     where each function's logs go (default .sandbox/logs)
  --fault <drill>  inject a fault (repeatable): ${DRILLS.join(', ')}
  --approval-wait <seconds>
                   hold the run (real time) while an approval is pending, so \`npm run approve\` can answer it
                   (default: 300 with --scenario, else 0: an approval times out on the virtual clock)
  --assembly <dir> a cloud assembly synthesized beforehand, used as it is (default cdk.out, synthesized when stale)
  --no-traces      do not collect X-Ray segments (collected by default, kept in .sandbox/last-run/traces.ndjson
                   for \`npm run trace\`; tracing costs time in every function, so large replays may skip it)
  --help           this text`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      network: { type: 'string' },
      out: { type: 'string' },
      logs: { type: 'string' },
      fault: { type: 'string', multiple: true },
      assembly: { type: 'string' },
      scenario: { type: 'string' },
      'approval-wait': { type: 'string' },
      'no-traces': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const started = Date.now();
  const assemblyDir = values.assembly ? userPath(values.assembly) : path.join(root, 'cdk.out');
  const synthSeconds = values.assembly ? 0 : ensureAssembly(root, assemblyDir, (line) => console.error(line));
  if (values.scenario !== undefined && values.events !== undefined)
    throw new Error('--scenario and --events: give one of them');
  const scenario =
    values.scenario === undefined
      ? undefined
      : resolveScenario(path.join(root, 'scenarios'), values.scenario);
  const eventsFile = scenario
    ? scenario.events
    : values.events
      ? userPath(values.events)
      : path.join(root, 'scenarios', 'retail-walkthrough.ndjson');
  const networkFile = values.network
    ? userPath(values.network)
    : scenario
      ? scenario.network
      : values.events
        ? undefined
        : path.join(root, 'config', 'retail-network.json');
  const approvalWait = approvalWaitSeconds(values['approval-wait'], scenario !== undefined);
  // Read and checked before anything starts: a bad file is an error naming the field.
  const network = networkFile ? networkEvents(networkFile, new Date(0)) : [];
  const seeded = network.length;
  const logDir = values.logs ? userPath(values.logs) : path.join(sandboxDir(root), 'logs');
  const faults = parseFaults(values.fault ?? [], serviceNames(assemblyDir));

  // The run's tables stay on disk after it (.sandbox/last-run), for `npm run trace`.
  const run = newRunDir(root);
  // The file is streamed: events are read as the replay needs them, never held all at once.
  let running: Sandbox | undefined;
  const { sandbox, stats, unreadable } = await replayFile(eventsFile, {
    assemblyDir,
    logDir,
    tablesDir: run.tablesDir,
    faults: faults.sandbox,
    poisonPill: faults.poisonPill,
    traces: values['no-traces'] !== true,
    prelude:
      seeded > 0 ? (time) => network.map((event) => ({ ...event, time: time.toISOString() })) : undefined,
    ...(scenario?.governance === undefined ? {} : { appConfigFiles: { governance: scenario.governance } }),
    ...(approvalWait > 0 ? { holdForApprovals: approvalHold(approvalWait, () => running) } : {}),
    onStart: (started) => {
      running = started;
      announceEndpoint(started);
    },
  }).catch((error: unknown) => {
    removeEndpointFile(root);
    rmSync(run.dir, { recursive: true, force: true });
    throw error;
  });
  let manifest: RunManifest | undefined;
  try {
    const events = sandbox.bus.archive;
    console.log(
      `\nIncident timeline — ${path.relative(process.cwd(), eventsFile) || eventsFile} (event time, UTC)\n`,
    );
    for (const line of formatTimeline(events, alarmNotes(sandbox.cloudwatch.transitions))) console.log(line);
    const kpis = incidentKpis(events);
    if (kpis.length > 0) {
      console.log('\nKPIs (time from spike to resolution; cancellation ratio back to baseline):');
      for (const line of formatKpis(kpis)) console.log(line);
    }
    if (networkFile) {
      console.log(
        `\nNetwork: ${seeded} warehouse_updated event(s) from ${path.relative(process.cwd(), networkFile) || networkFile}, a minute before the first event`,
      );
    }
    printAccounting(sandbox, stats.events - seeded + unreadable, unreadable, stats.late, seeded);
    if (values.out) {
      const out = userPath(values.out);
      await writeArchive(events, out);
      console.log(`  wrote ${events.length} events to ${out}`);
    }
    manifest = {
      version: 1,
      finishedAt: new Date().toISOString(),
      events: eventsFile,
      outputs: resolvedOutputs(sandbox.template),
      region: sandbox.template.env.region,
      incidents: incidentsOf(events),
    };
    printTraceCommands(manifest.incidents, sandbox);
    printConsoleCommand(values.scenario, values.events);
    const wall = (Date.now() - started) / 1000;
    console.log(
      `\nDone in ${wall.toFixed(1)} s wall time${synthSeconds > 0 ? ` (synth ${synthSeconds.toFixed(1)} s)` : ' (cdk.out reused)'}; function logs in ${path.relative(process.cwd(), logDir)}`,
    );
    return 0;
  } finally {
    removeEndpointFile(root);
    await sandbox.stop();
    if (manifest && sandbox.traces) {
      await keepTraces(run.dir, sandbox.traces.collector).catch((error: unknown) =>
        console.warn(
          `could not keep this run's traces: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }
    keepRun(run.dir, manifest);
  }
}

// --- Human in the loop: the sandbox's endpoint for `npm run approve`, and the run holding for an answer. ---

/** Tools (`npm run approve`) find the running sandbox through .sandbox/endpoint.json while it runs. */
function announceEndpoint(sandbox: Sandbox): void {
  writeEndpointFile(root, {
    url: sandbox.endpoint,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    region: sandbox.template.env.region,
    httpApis: sandbox.httpApis?.endpoints ?? {},
  });
  process.once('exit', () => removeEndpointFile(root));
}

function approvalWaitSeconds(value: string | undefined, scenario: boolean): number {
  if (value === undefined) return scenario ? 300 : 0;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new Error(`--approval-wait must be a number of seconds >= 0, got ${value}`);
  return seconds;
}

/** Holds the virtual clock while the saga's RequestApproval waits, printing once how to answer each approval. */
function approvalHold(realSeconds: number, sandbox: () => Sandbox | undefined): ApprovalHoldOptions {
  return {
    stateNames: ['RequestApproval'],
    realSeconds,
    onPending: (pending) => {
      const archive = sandbox()?.bus.archive ?? [];
      console.log(
        `\n${approvalPrompt(pending, approvalRequestOf(archive, pending.token), realSeconds).join('\n')}`,
      );
    },
    onLapsed: (pending) =>
      console.log(`No answer within ${realSeconds} s: ${pending.stateName} times out on the virtual clock.`),
  };
}

/** The decision trace of each incident of the run, one command each. */
function printTraceCommands(incidents: readonly string[], sandbox: Sandbox): void {
  const stats = sandbox.traces?.collector.stats;
  if (stats) {
    console.log(
      `\nX-Ray: ${stats.accepted} segment document(s) collected, ${stats.unreadable} unreadable datagram(s)${stats.dropped > 0 ? `, ${stats.dropped} past the bound (not kept)` : ''}`,
    );
  }
  if (incidents.length === 0) return;
  console.log(
    `\nDecision traces (prompt, model output, plan, policy decisions, approvals)${stats ? ' and X-Ray waterfalls' : ''} of this run:`,
  );
  for (const id of incidents) console.log(`  npm run trace -- '${id}'`);
}

/** The same replay, watched live in the operator console (`local/console/cli.ts`). */
function printConsoleCommand(scenario: string | undefined, events: string | undefined): void {
  const source =
    scenario !== undefined
      ? ` -- --scenario ${scenario}`
      : events !== undefined
        ? ` -- --events '${events}'`
        : '';
  console.log(
    `\nWatch it live in the operator console (timeline, ratio, approvals, agents): npm run console${source}`,
  );
}

/** This run's tables become `.sandbox/last-run` (a failed run's are removed). */
function keepRun(dir: string, manifest: RunManifest | undefined): void {
  if (manifest === undefined) {
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  try {
    keepAsLastRun(root, dir, manifest);
  } catch (error) {
    // Another run finishing at the same moment took the place: this run's data stays in its own directory.
    console.warn(
      `could not keep this run as .sandbox/last-run (${(error as Error).message}); its data is in ${dir}`,
    );
  }
}

/** The agents of the synthesized app, by Powertools service name. */
function serviceNames(assemblyDir: string): string[] {
  const template = loadTemplate(assemblyDir, {
    region: 'us-east-1',
    accountId: '123456789012',
    endpoint: '',
  });
  return template
    .resourcesOfType('AWS::Lambda::Function')
    .map(
      ([, r]) =>
        (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
    )
    .map((v) => v?.POWERTOOLS_SERVICE_NAME)
    .filter((name): name is string => typeof name === 'string');
}

function printAccounting(
  sandbox: Sandbox,
  lines: number,
  unreadable: number,
  late: number,
  seeded: number,
): void {
  const rejectedOnPut = sandbox.rejectedInputs.length - unreadable;
  console.log('\nAccounting');
  console.log(
    `  input: ${lines} line(s); put on the bus: ${lines - unreadable - rejectedOnPut}${seeded > 0 ? ` (and ${seeded} network event(s))` : ''}; rejected: ${unreadable + rejectedOnPut}; events on the bus in all: ${sandbox.bus.archive.length}`,
  );
  if (late > 0) {
    console.log(
      `  late input: ${late} event(s) arrived more than ${REORDER_SECONDS / 60} minutes after later ones and went on the bus after their minute, with their own time`,
    );
  }
  for (const r of sandbox.rejectedInputs) {
    console.log(`  rejected input${r.line ? ` (line ${r.line})` : ''}: ${r.reason}`);
  }
  console.log(
    `  ${'consumer'.padEnd(42)} ${'routed'.padStart(7)} ${'processed'.padStart(9)} ${'in DLQ'.padStart(7)} ${'pending'.padStart(7)} ${'lost'.padStart(5)} ${'deliveries'.padStart(10)}`,
  );
  for (const a of sandbox.accountingReport()) {
    console.log(
      `  ${a.consumer.padEnd(42)} ${String(a.routed).padStart(7)} ${String(a.processed).padStart(9)} ${String(a.deadLettered).padStart(7)} ${String(a.pending).padStart(7)} ${String(a.lost).padStart(5)} ${String(a.deliveries).padStart(10)}`,
    );
  }
  for (const queue of sandbox.sqs.all()) {
    if (queue.messages.length === 0) continue;
    console.log(`  ${queue.name}: ${queue.messages.length} message(s)`);
    for (const message of queue.messages.slice(0, 5)) {
      const attributes = message.messageAttributes;
      const reason = attributes.errorMessage?.StringValue ?? attributes.ERROR_MESSAGE?.StringValue;
      console.log(`    - ${(reason ?? message.body).slice(0, 160)}`);
    }
  }
  for (const machine of sandbox.sfn.listStateMachines().stateMachines) {
    for (const execution of sandbox.sfn.listExecutions(machine.stateMachineArn).executions) {
      const detail = sandbox.sfn.describeExecution(execution.executionArn);
      console.log(
        `  ${machine.name} execution ${execution.name}: ${execution.status}${detail.error ? ` (${detail.error})` : ''}`,
      );
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
