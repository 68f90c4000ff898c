#!/usr/bin/env node
/**
 * Shadow replay: the check a team runs before changing an agent. Replays the inputs of an archived run through the
 * current agents with every side effect kept inside a throwaway sandbox, and prints the decisions that differ from
 * the recorded ones — incidents detected differently, plans changed, policy decisions, approvals.
 *
 *   npm start -- --out /tmp/run.ndjson                          # record a run (or export an archive from AWS)
 *   npm run shadow -- --events /tmp/run.ndjson                  # … later, after changing an agent
 */
import '../local/polyfills';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAssembly } from '../local/assembly';
import { formatChange } from '../local/shadow/decisions';
import { shadowReplay } from '../local/shadow/shadow-replay';

const usage = `Usage: npm run shadow -- --events <archive.ndjson> [--assembly <dir>] [--governance <file.json>]

Replays the inputs of an archived run (every event it put on the bus, one JSON envelope per line: \`npm start --
--out <file>\`, or an EventBridge archive exported from AWS) through the current agents in a sandbox of its own,
with every side effect kept inside it, and prints the decisions that differ from the recorded ones. The last line
reads \`decisions changed: N\`.

  --events <file>       the archive (required)
  --assembly <dir>      the agents to replay through: a cloud assembly (default cdk.out, synthesized when stale;
                        e.g. \`npx cdk synth -c detectorConfig='{"maxPValue":1e-9}' --output /tmp/changed\`)
  --governance <file>   a governance configuration to serve instead of config/governance.json`;

const root = path.resolve(__dirname, '..');
const userPath = (file: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), file);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      assembly: { type: 'string' },
      governance: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.events === undefined) {
    console.error(`--events: give the archive to replay\n\n${usage}`);
    return 2;
  }
  const archive = userPath(values.events);
  if (!existsSync(archive)) throw new Error(`--events: no file ${archive}`);
  const governanceFile = values.governance ? userPath(values.governance) : undefined;
  if (governanceFile && !existsSync(governanceFile))
    throw new Error(`--governance: no file ${governanceFile}`);
  const assemblyDir = values.assembly ? userPath(values.assembly) : path.join(root, 'cdk.out');
  if (!values.assembly) ensureAssembly(root, assemblyDir, (line) => console.error(line));

  const started = Date.now();
  const report = await shadowReplay({ archive, assemblyDir, ...(governanceFile ? { governanceFile } : {}) });
  const name = path.relative(process.cwd(), archive) || archive;
  console.log(`\nShadow replay — ${name}`);
  console.log(
    `  ${report.archiveEvents} archived event(s): ${report.inputs} input(s) replayed through the current agents` +
      (report.unreadable > 0 ? `, ${report.unreadable} unreadable line(s) skipped` : ''),
  );
  console.log(
    `  decisions: ${report.recorded.length} recorded, ${report.shadow.length} by the current agents` +
      (report.approvalsReplayed > 0
        ? ` (${report.approvalsReplayed} approval answer(s) given as recorded)`
        : ''),
  );
  if (report.changes.length > 0) {
    console.log('\nDecisions that differ (- recorded only, + current agents only, ~ changed):');
    for (const change of report.changes) for (const line of formatChange(change)) console.log(line);
  }
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`decisions changed: ${report.changes.length}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
