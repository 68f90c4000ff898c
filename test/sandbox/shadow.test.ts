import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { approvalRequestOf } from '../../local/approval-prompt';
import { replayFile, writeArchive } from '../../local/replay-file';
import type { Sandbox } from '../../local/sandbox';
import { shadowReplay } from '../../local/shadow/shadow-replay';
import { networkEvents } from '../../scenarios/network-events';
import { assemblyDir, ownSandboxDir, repoRoot } from './sandbox-fixture';

const run = promisify(execFile);
ownSandboxDir();
const options = { cwd: repoRoot, env: { ...process.env, INIT_CWD: repoRoot }, maxBuffer: 16 * 1024 * 1024 };

/**
 * A copy of the assembly with the detector settings changed, as `cdk synth -c detectorConfig` writes them: the
 * monitoring agent's, and the recovery watch's (it counts in the detector's windows).
 */
function assemblyWithDetector(dir: string, overrides: Record<string, number>): string {
  const copy = path.join(dir, 'changed.out');
  cpSync(assemblyDir, copy, { recursive: true });
  const file = path.join(copy, 'ProactiveAgents.template.json');
  const template = JSON.parse(readFileSync(file, 'utf8')) as {
    Resources: Record<string, { Properties?: { Environment?: { Variables?: Record<string, string> } } }>;
  };
  let changed = 0;
  for (const resource of Object.values(template.Resources)) {
    const variables = resource.Properties?.Environment?.Variables;
    if (variables?.DETECTOR_CONFIG === undefined) continue;
    variables.DETECTOR_CONFIG = JSON.stringify(overrides);
    changed++;
  }
  expect(changed).toBe(2);
  writeFileSync(file, JSON.stringify(template));
  return copy;
}

describe('npm run shadow', () => {
  let dir: string;
  /** The archive of an `npm start -- --out` run of the walk-through. */
  let archive: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pa-shadow-'));
    archive = path.join(dir, 'walkthrough.ndjson');
    // What `npm start -- --out` writes, recorded in this process (test/sandbox/cli.test.ts runs that command line):
    // the walk-through after its network, every event put on the bus. Without traces: their headers never reach
    // the archive.
    const network = networkEvents(path.join(repoRoot, 'config', 'retail-network.json'), new Date(0));
    const { sandbox } = await replayFile(path.join(repoRoot, 'scenarios', 'retail-walkthrough.ndjson'), {
      assemblyDir,
      tablesDir: path.join(dir, 'walkthrough-tables'),
      prelude: (time) => network.map((event) => ({ ...event, time: time.toISOString() })),
    });
    try {
      await writeArchive(sandbox.bus.archive, archive);
    } finally {
      await sandbox.stop();
    }
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds no difference on the archive of an npm start run', async () => {
    const report = await shadowReplay({ archive, assemblyDir });

    expect(report.recorded.length).toBeGreaterThan(0);
    expect(report.shadow).toHaveLength(report.recorded.length);
    expect(report.changes).toEqual([]);
  }, 300_000);

  it('after a threshold change, lists what changed, as the command line prints it', async () => {
    // A stricter detector: the walk-through's second incident needs more evidence, so it opens a window later.
    const changed = await run(
      'npx',
      [
        'tsx',
        'bin/shadow.ts',
        '--events',
        archive,
        '--assembly',
        assemblyWithDetector(dir, { maxPValue: 1e-7 }),
        '--governance',
        path.join(repoRoot, 'config', 'governance.json'),
      ],
      options,
    );

    const lines = changed.stdout.trim().split('\n');
    const listed = lines.filter((line) => /^ {2}[~+-] /.test(line));
    expect(lines.at(-1)).toBe(`decisions changed: ${listed.length}`);
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.some((line) => /^ {2}[~-] incident /.test(line))).toBe(true);
    const [, recorded, current] = /decisions: (\d+) recorded, (\d+) by the current agents/.exec(
      changed.stdout,
    )!;
    expect(Number(recorded)).toBeGreaterThan(0);
    expect(Number(current)).toBeGreaterThan(0);
  }, 300_000);

  it('gives a person’s approval answers again, as recorded, and finds no difference', async () => {
    const scenario = path.join(repoRoot, 'scenarios', 'governed');
    const governanceFile = path.join(scenario, 'governance.json');
    const network = networkEvents(path.join(scenario, 'network.json'), new Date(0));
    // The recording: an operator approves the first approval asked and rejects the second.
    let running: Sandbox | undefined;
    const answered: string[] = [];
    const { sandbox } = await replayFile(path.join(scenario, 'events.ndjson'), {
      assemblyDir,
      tablesDir: path.join(dir, 'recording-tables'),
      appConfigFiles: { governance: governanceFile },
      prelude: (time) => network.map((event) => ({ ...event, time: time.toISOString() })),
      onStart: (started) => {
        running = started;
      },
      holdForApprovals: {
        stateNames: ['RequestApproval'],
        realSeconds: 30,
        onPending: (pending) => {
          const request = approvalRequestOf(running!.bus.archive, pending.token)!;
          const approve = answered.length === 0;
          answered.push(`${request.correlationId} ${approve ? 'approved' : 'rejected'}`);
          void running!.sfn.handleApiRequest(
            approve ? 'AWSStepFunctions.SendTaskSuccess' : 'AWSStepFunctions.SendTaskFailure',
            approve
              ? { taskToken: pending.token, output: JSON.stringify({ note: 'by test-operator: go ahead' }) }
              : { taskToken: pending.token, error: 'ApprovalRejected', cause: 'by test-operator: not now' },
          );
        },
      },
    });
    const archive = path.join(dir, 'governed.ndjson');
    try {
      await writeArchive(sandbox.bus.archive, archive);
    } finally {
      await sandbox.stop();
    }
    expect(answered).toHaveLength(2);

    const report = await shadowReplay({ archive, assemblyDir, governanceFile });
    const answers = report.recorded.filter((d) => d.kind === 'approval answer').map((d) => d.facts.outcome);
    expect(answers.sort()).toEqual(['approved', 'rejected']);
    expect(report.approvalsReplayed).toBe(2);
    expect(report.shadow).toHaveLength(report.recorded.length);
    expect(report.changes).toEqual([]);
  }, 300_000);
});
