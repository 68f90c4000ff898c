import './polyfills';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAssembly } from './assembly';
import { readEvents } from './cli-input';
import { Sandbox, type RejectedInput } from './sandbox';
import { formatTimeline } from './timeline';

const root = path.resolve(__dirname, '..');
const userPath = (file: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), file);

const usage = `Usage: npm start -- [--events <file.ndjson>] [--out <file.ndjson>] [--logs <dir>]

Runs the synthesized app in the sandbox, replays the events (default: the retail walk-through) on a
virtual clock driven by event time, and prints the incident timeline.

  --events <file>  NDJSON file of EventBridge envelopes to replay (default scenarios/retail-walkthrough.ndjson)
  --out <file>     write every event put on the bus, one JSON envelope per line
  --logs <dir>     where each function's logs go (default .sandbox/logs)
  --help           this text`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      out: { type: 'string' },
      logs: { type: 'string' },
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

  const rejected: RejectedInput[] = [];
  const inputs = readEvents(eventsFile, rejected);
  const firstTime = inputs.reduce((t, i) => Math.min(t, i.time), Number.POSITIVE_INFINITY);
  const sandbox = await Sandbox.start({
    assemblyDir,
    logDir,
    startTime: Number.isFinite(firstTime) ? firstTime - 1000 : undefined,
  });
  try {
    sandbox.rejectedInputs.push(...rejected);
    await sandbox.replay(inputs);

    const events = sandbox.bus.archive;
    console.log(
      `\nIncident timeline — ${path.relative(process.cwd(), eventsFile) || eventsFile} (event time, UTC)\n`,
    );
    for (const line of formatTimeline(events)) console.log(line);

    console.log('\nAccounting');
    console.log(
      `  input lines: ${inputs.length + rejected.length}; put on the bus: ${inputs.length - sandbox.rejectedInputs.length + rejected.length}; events on the bus in all: ${events.length}`,
    );
    for (const r of sandbox.rejectedInputs) {
      console.log(`  rejected input${r.line ? ` (line ${r.line})` : ''}: ${r.reason}`);
    }
    for (const queue of sandbox.sqs.all()) {
      if (queue.messages.length === 0) continue;
      console.log(`  ${queue.name}: ${queue.messages.length} message(s)`);
      for (const message of queue.messages.slice(0, 5)) {
        const reason =
          message.messageAttributes.errorMessage?.StringValue ??
          message.messageAttributes.ERROR_MESSAGE?.StringValue;
        console.log(`    - ${reason ?? message.body.slice(0, 140)}`);
      }
    }
    for (const machine of sandbox.sfn.listStateMachines().stateMachines) {
      for (const execution of sandbox.sfn.listExecutions(machine.stateMachineArn).executions) {
        console.log(`  ${machine.name} execution ${execution.name}: ${execution.status}`);
      }
    }
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

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
