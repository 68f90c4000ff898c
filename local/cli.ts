import './polyfills';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAssembly } from './assembly';
import { readEvents } from './cli-input';
import { DRILLS, parseFaults, poisonPillEvent } from './faults';
import { Sandbox, type RejectedInput } from './sandbox';
import { loadTemplate } from './template';
import { formatTimeline } from './timeline';

const root = path.resolve(__dirname, '..');
const userPath = (file: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), file);

const usage = `Usage: npm start -- [--events <file.ndjson>] [--out <file.ndjson>] [--logs <dir>]

Runs the synthesized app in the sandbox, replays the events (default: the retail walk-through) on a
virtual clock driven by event time, and prints the incident timeline.

  --events <file>  NDJSON file of EventBridge envelopes to replay (default scenarios/retail-walkthrough.ndjson)
  --out <file>     write every event put on the bus, one JSON envelope per line
  --logs <dir>     where each function's logs go (default .sandbox/logs)
  --fault <drill>  inject a fault (repeatable): ${DRILLS.join(', ')}
  --help           this text`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      out: { type: 'string' },
      logs: { type: 'string' },
      fault: { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const started = Date.now();
  const assemblyDir = path.join(root, 'cdk.out');
  const synthSeconds = ensureAssembly(root, assemblyDir, (line) => console.error(line));
  const eventsFile = values.events
    ? userPath(values.events)
    : path.join(root, 'scenarios', 'retail-walkthrough.ndjson');
  const logDir = values.logs ? userPath(values.logs) : path.join(root, '.sandbox', 'logs');
  const faults = parseFaults(values.fault ?? [], serviceNames(assemblyDir));

  const rejected: RejectedInput[] = [];
  const inputs = readEvents(eventsFile, rejected);
  const times = inputs.map((i) => i.time).filter(Number.isFinite);
  const firstTime = Math.min(...times);
  if (faults.poisonPill && times.length > 0) {
    const middle = firstTime + (Math.max(...times) - firstTime) / 2;
    inputs.push({ raw: poisonPillEvent(middle), time: middle, line: 0 });
  }
  const sandbox = await Sandbox.start({
    assemblyDir,
    logDir,
    startTime: Number.isFinite(firstTime) ? firstTime - 1000 : undefined,
    faults: faults.sandbox,
  });
  try {
    sandbox.rejectedInputs.push(...rejected);
    await sandbox.replay(inputs);

    const events = sandbox.bus.archive;
    console.log(
      `\nIncident timeline — ${path.relative(process.cwd(), eventsFile) || eventsFile} (event time, UTC)\n`,
    );
    for (const line of formatTimeline(events)) console.log(line);
    printAccounting(sandbox, inputs.length + rejected.length, rejected.length);
    if (values.out) {
      const out = userPath(values.out);
      writeFileSync(out, events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : ''));
      console.log(`  wrote ${events.length} events to ${out}`);
    }
    const wall = (Date.now() - started) / 1000;
    console.log(
      `\nDone in ${wall.toFixed(1)} s wall time${synthSeconds > 0 ? ` (synth ${synthSeconds.toFixed(1)} s)` : ' (cdk.out reused)'}; function logs in ${path.relative(process.cwd(), logDir)}`,
    );
    return 0;
  } finally {
    await sandbox.stop();
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

function printAccounting(sandbox: Sandbox, lines: number, unreadable: number): void {
  const rejectedOnPut = sandbox.rejectedInputs.length - unreadable;
  console.log('\nAccounting');
  console.log(
    `  input: ${lines} line(s); put on the bus: ${lines - unreadable - rejectedOnPut}; rejected: ${unreadable + rejectedOnPut}; events on the bus in all: ${sandbox.bus.archive.length}`,
  );
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
