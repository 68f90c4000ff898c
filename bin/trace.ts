#!/usr/bin/env node
/**
 * Prints the decision trace of an incident: the plan, every model call (redacted prompt, model, tokens, cost,
 * raw output, verdict), every policy decision and approval, and the outcome — read from episodic memory. For a
 * sandbox run, then the incident's X-Ray trace as a waterfall (local/xray): from the order whose batch detected
 * the spike, through the monitoring agent, the saga and its tasks, to the fulfillment agent's answer.
 *
 *   npm run trace -- <correlationId>                    the last sandbox run (`npm start`)
 *   npm run trace -- <correlationId> --table <name>     a deployed stack (credentials from the environment)
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { lastRunDir, openLastRun, readRunManifest, readRunTraces } from '../local/last-run';
import { incidentWaterfall } from '../local/xray/incident-waterfall';
import { formatWaterfall } from '../local/xray/waterfall-format';
import { decisionTraceReport, type DecisionTraceQuery } from './decision-trace';

const usage = `Usage: npm run trace -- <correlationId> [--table <name>] [--region <region>] [--endpoint-url <url>]
                       [--entity <entity>] [--since <ISO 8601>] [--full] [--waterfall-json]

Prints the decision trace of an incident from episodic memory, and for a sandbox run its X-Ray trace as a
waterfall (offset and duration of every segment, errors marked).

Without --table, reads the last sandbox run (.sandbox/last-run, kept by \`npm start\`); without a correlation id
it lists that run's incidents. With --table, reads DynamoDB on AWS with the usual credentials and region; the
table is the stack's EpisodicTableName output:

  aws cloudformation describe-stacks --stack-name ProactiveAgents \\
    --query "Stacks[0].Outputs[?OutputKey=='EpisodicTableName'].OutputValue" --output text

  --entity <entity>  the incident's entity (default: from the correlation id, e.g. warehouse#WH-NYC)
  --since <time>     read the entity's records from this time on (default: all)
  --full             print prompts and outputs whole (default: excerpts)
  --waterfall-json   print only the waterfall, as JSON (local/xray/waterfall.ts: Waterfall)`;

const root = path.resolve(__dirname, '..');

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      region: { type: 'string' },
      'endpoint-url': { type: 'string' },
      entity: { type: 'string' },
      since: { type: 'string' },
      full: { type: 'boolean' },
      'waterfall-json': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [correlationId] = positionals;
  const options = values.full ? { promptChars: Infinity, outputChars: Infinity } : {};
  const query = (id: string, table: string): DecisionTraceQuery => ({
    correlationId: id,
    table,
    ...(values.entity === undefined ? {} : { entity: values.entity }),
    ...(values.since === undefined ? {} : { since: values.since }),
  });

  if (values.table !== undefined) {
    if (correlationId === undefined) {
      console.error(usage);
      return 2;
    }
    const client = new DynamoDBClient({
      ...(values.region === undefined ? {} : { region: values.region }),
      ...(values['endpoint-url'] === undefined ? {} : { endpoint: values['endpoint-url'] }),
    });
    for (const line of await decisionTraceReport(client, query(correlationId, values.table), options))
      console.log(line);
    return 0;
  }

  const dir = lastRunDir(root);
  if (correlationId === undefined) {
    const manifest = readRunManifest(dir);
    console.log(
      `Incidents of the last sandbox run (${manifest.finishedAt}, ${path.relative(root, manifest.events)}):`,
    );
    for (const id of manifest.incidents) console.log(`  npm run trace -- '${id}'`);
    return 0;
  }
  if (values['waterfall-json']) {
    const traces = await readRunTraces(dir);
    console.log(JSON.stringify(traces ? incidentWaterfall(traces.documents, correlationId) : null, null, 2));
    return 0;
  }
  const run = await openLastRun(dir);
  try {
    const table = run.manifest.outputs.EpisodicTableName;
    if (table === undefined)
      throw new Error('the last run has no EpisodicTableName output: run `npm start` again');
    console.log(`(sandbox run of ${run.manifest.finishedAt})`);
    for (const line of await decisionTraceReport(run.dynamodb, query(correlationId, table), options))
      console.log(line);
    await printWaterfall(dir, correlationId);
    return 0;
  } finally {
    await run.close();
  }
}

/** The incident's X-Ray trace(s), kept by the run in traces.ndjson. */
async function printWaterfall(dir: string, correlationId: string): Promise<void> {
  const traces = await readRunTraces(dir);
  console.log('');
  if (!traces) {
    console.log('X-Ray: the run kept no traces (it ran with --no-traces).');
    return;
  }
  const waterfall = incidentWaterfall(traces.documents, correlationId);
  if (waterfall.nodeCount === 0) {
    console.log(`X-Ray: no collected trace carries correlation id ${correlationId}.`);
    return;
  }
  for (const line of formatWaterfall(waterfall)) console.log(line);
  if (traces.unreadable > 0)
    console.log(`  (${traces.unreadable} unreadable line(s) in traces.ndjson skipped)`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
