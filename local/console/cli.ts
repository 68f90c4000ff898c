import '../polyfills';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { webSocketApiLines } from '../apigateway/websocket-apis';
import { ensureAssembly } from '../assembly';
import { removeEndpointFile, writeEndpointFile } from '../endpoint-file';
import { replayFile } from '../replay-file';
import type { Sandbox } from '../sandbox';
import { sandboxDir } from '../sandbox-dir';
import { resolveScenario, scenarioNames } from '../scenario';
import { networkEvents } from '../../scenarios/network-events';
import { ensureConsoleBuilt } from './console-build';
import { ConsoleServer } from './console-server';
import { paceInRealTime } from './pace';

const root = path.resolve(__dirname, '..', '..');
const userPath = (file: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), file);

const usage = `Usage: npm run console -- [--scenario <name> | --events <file.ndjson>] [--network <file.json>] [--speed <x>] [--port <n>] [--sign-in]

Runs the walk-through in the sandbox, as npm start does, and serves the operator console at the URL it prints:
incidents and their timelines as the events arrive on the bus, the cancellation ratio against its baseline, the
approvals inbox, the agents. Keeps running after the replay, until Ctrl-C.

  --scenario <name> replay scenarios/<name>/: ${scenarioNames(path.join(root, 'scenarios')).join(', ')}
  --events <file>   NDJSON file of EventBridge envelopes (default scenarios/retail-walkthrough.ndjson)
  --network <file>  seed the fulfillment network (default for the walk-through: config/retail-network.json)
  --speed <x>       event time runs x times as fast as real time (default 60: an hour of events a minute;
                    0: as fast as the sandbox goes)
  --approval-wait <seconds>
                    hold the replay while an approval waits for an answer in the console (default 3600)
  --port <n>        the console's port on 127.0.0.1 (default 0: any free port)
  --sign-in         the console as on AWS: operators sign in (the sandbox's Cognito stand-in: a user "operator"
                    with a new random password, printed), and the browser signs its requests to the operator
                    HTTP API and presigns the live WebSocket itself (no server-sent events, no signing proxy)
  --no-traces       do not collect X-Ray segments (collected by default: each incident's trace view draws them)
  --assembly <dir>  a cloud assembly synthesized beforehand (default cdk.out, synthesized when stale)
  --help            this text`;

function nonNegative(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      scenario: { type: 'string' },
      network: { type: 'string' },
      speed: { type: 'string' },
      'approval-wait': { type: 'string' },
      port: { type: 'string' },
      assembly: { type: 'string' },
      'no-traces': { type: 'boolean' },
      'sign-in': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  if (values.scenario !== undefined && values.events !== undefined)
    throw new Error('--scenario and --events: give one of them');
  const speed = nonNegative('speed', values.speed, 60);
  const approvalWait = nonNegative('approval-wait', values['approval-wait'], 3600);
  const port = nonNegative('port', values.port, 0);
  const scenario =
    values.scenario === undefined
      ? undefined
      : resolveScenario(path.join(root, 'scenarios'), values.scenario);
  const eventsFile =
    scenario?.events ??
    (values.events ? userPath(values.events) : path.join(root, 'scenarios', 'retail-walkthrough.ndjson'));
  const networkFile = values.network
    ? userPath(values.network)
    : (scenario?.network ?? (values.events ? undefined : path.join(root, 'config', 'retail-network.json')));
  const network = networkFile ? networkEvents(networkFile, new Date(0)) : [];
  const assemblyDir = values.assembly ? userPath(values.assembly) : path.join(root, 'cdk.out');

  const log = (line: string) => console.error(line);
  ensureConsoleBuilt(path.join(root, 'console'), log);
  if (!values.assembly) ensureAssembly(root, assemblyDir, log);

  // The console is up before the sandbox: a browser opened now sees every event from the first.
  const signIn = values['sign-in'] === true;
  const server = await ConsoleServer.start({ distDir: path.join(root, 'console', 'dist'), port, signIn });
  console.log(`Operator console: ${server.url}  (Ctrl-C to stop)`);
  let sandbox: Sandbox | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    removeEndpointFile(root);
    await server.close();
    await sandbox?.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  const replay = await replayFile(eventsFile, {
    assemblyDir,
    logDir: path.join(sandboxDir(root), 'logs'),
    // X-Ray, as npm start collects it: the console's trace view (/traces/<id>) draws an incident's waterfall.
    traces: values['no-traces'] !== true,
    prelude:
      network.length > 0
        ? (time) => network.map((event) => ({ ...event, time: time.toISOString() }))
        : undefined,
    ...(scenario?.governance === undefined ? {} : { appConfigFiles: { governance: scenario.governance } }),
    pace: paceInRealTime(speed),
    // Sign-in mode: the user pool client's callback and the API's CORS origin are this console's.
    ...(signIn ? { consoleOrigin: server.url } : {}),
    holdForApprovals: {
      stateNames: ['RequestApproval'],
      realSeconds: approvalWait,
      onPending: (pending) =>
        console.log(
          `Approval pending (${pending.stateName}): answer it in the console at ${server.url} (the replay waits up to ${approvalWait} s)`,
        ),
      onLapsed: () =>
        console.log(`No answer within ${approvalWait} s: the approval times out on the virtual clock.`),
    },
    onStart: (started) => {
      sandbox = started;
      server.attach(started);
      if (signIn) {
        if (started.cognito === undefined)
          throw new Error('--sign-in: the template has no Cognito user pool');
        const password = started.cognito.createUser('operator');
        console.log(`Sign in at ${server.url} as operator, password ${password} (new on every run)`);
      }
      // The push channel the console uses on AWS, served here too (this console itself reads /events).
      if (started.webSocketApis)
        for (const line of webSocketApiLines(started.webSocketApis)) console.log(line);
      // `npm run approve` finds this sandbox too.
      writeEndpointFile(root, {
        url: started.endpoint,
        pid: process.pid,
        startedAt: new Date().toISOString(),
        region: started.template.env.region,
        httpApis: started.httpApis?.endpoints ?? {},
      });
    },
  });
  sandbox = replay.sandbox;
  server.live.notify('finished', { events: replay.stats.events });
  console.log(
    `Replay finished: ${replay.stats.events} events from ${path.relative(process.cwd(), eventsFile) || eventsFile}. The console stays up at ${server.url} until Ctrl-C.`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  removeEndpointFile(root);
  process.exit(1);
});
