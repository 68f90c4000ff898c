import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
/** The knip the project pins (`npx knip` runs the same file). */
const knipBin = path.join(root, 'node_modules', 'knip', 'bin', 'knip.js');

interface KnipRun {
  readonly status: number | null;
  /** `file: name` of every unused export and exported type. */
  readonly unused: string[];
}

/**
 * Runs knip as `npm run lint` does (`--production`, the project's own knip.jsonc) on a small project laid out
 * like this one: a handler, the domain module it imports, and a test of that module.
 */
function knipOn(files: Record<string, string>): KnipRun {
  const dir = mkdtempSync(path.join(tmpdir(), 'pa-knip-'));
  try {
    copyFileSync(path.join(root, 'knip.jsonc'), path.join(dir, 'knip.jsonc'));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fixture', private: true }));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    const run = spawnSync(process.execPath, [knipBin, '--production', '--reporter', 'json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    const report = JSON.parse(run.stdout || '{"issues":[]}') as {
      issues: { file: string; exports?: { name: string }[]; types?: { name: string }[] }[];
    };
    const unused = report.issues.flatMap((issue) =>
      [...(issue.exports ?? []), ...(issue.types ?? [])].map((e) => `${issue.file}: ${e.name}`),
    );
    return { status: run.status, unused };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const handler = `import { ratioOf } from '../domain/ratio';
export const handler = (placed: number, cancelled: number): number => ratioOf(placed, cancelled);
`;
const domain = `export const ratioOf = (placed: number, cancelled: number): number =>
  placed === 0 ? 0 : cancelled / placed;
`;

describe('no export used only by tests (knip --production with knip.jsonc)', () => {
  it('passes a project whose every export has a production use, whatever its tests import', () => {
    const run = knipOn({
      'lambdas/handlers/agent.ts': handler,
      'lambdas/domain/ratio.ts': domain,
      'test/unit/ratio.test.ts': `import { ratioOf } from '../../lambdas/domain/ratio';\nratioOf(1, 0);\n`,
    });

    expect(run).toEqual({ status: 0, unused: [] });
  });

  it('fails on an export, or an exported type, that only a test imports, naming each', () => {
    const run = knipOn({
      'lambdas/handlers/agent.ts': handler,
      'lambdas/domain/ratio.ts': `${domain}export const clampRatio = (r: number): number => Math.min(1, r);
export type Ratio = number;
`,
      'test/unit/ratio.test.ts': `import { clampRatio, ratioOf, type Ratio } from '../../lambdas/domain/ratio';
const r: Ratio = clampRatio(ratioOf(1, 2));
r.toFixed();
`,
    });

    expect(run.status).toBe(1);
    expect(run.unused.sort()).toEqual([
      'lambdas/domain/ratio.ts: Ratio',
      'lambdas/domain/ratio.ts: clampRatio',
    ]);
  });
});
