import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/** A file of each layer (linted with other contents: the path decides the rules and resolves the imports). */
const fileOf = {
  domain: 'lambdas/domain/monitoring/windows.ts',
  adapters: 'lambdas/adapters/event-publisher.ts',
  handlers: 'lambdas/handlers/monitoring-agent.ts',
  lib: 'lib/memory.ts',
  local: 'local/clock.ts',
  console: 'console/src/config.ts',
} as const;
type Layer = keyof typeof fileOf;

const layerRules = [
  'import-x/no-restricted-paths',
  'no-restricted-imports',
  'no-restricted-globals',
  'no-restricted-properties',
  'no-restricted-syntax',
];

/**
 * Lints each case with the project's own configuration (eslint.config.mjs, loaded by ESLint in a child process:
 * the config is an ES module, which jest's runtime cannot import) and returns, per case, the layer rules that
 * reported it (other findings, e.g. an unused import, are left out).
 */
function lintCases(cases: readonly { layer: Layer; code: string }[]): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    const cases = JSON.parse(process.argv[1]);
    const layerRules = new Set(JSON.parse(process.argv[2]));
    // The project's configuration, only its layer rules, without type information (which none of them needs).
    const eslint = new ESLint({
      cwd: process.cwd(),
      ruleFilter: ({ ruleId }) => layerRules.has(ruleId),
      overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
    });
    const found = [];
    for (const { filePath, code } of cases) {
      const [result] = await eslint.lintText(code, { filePath });
      found.push(result.messages.map((m) => m.ruleId));
    }
    process.stdout.write(JSON.stringify(found));`;
  const input = cases.map(({ layer, code }) => ({
    filePath: path.join(root, fileOf[layer]),
    code: `${code}\nexport {};\n`,
  }));
  const output = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', script, JSON.stringify(input), JSON.stringify(layerRules)],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return (JSON.parse(output) as (string | null)[][]).map((rules) =>
    rules.filter((rule): rule is string => rule !== null && layerRules.includes(rule)),
  );
}

/** Forbidden imports between layers, as each file would write them (relative paths). */
const forbidden: [Layer, string][] = [
  ['domain', "import '../../adapters/event-publisher';"],
  ['domain', "import '../../handlers/monitoring-agent';"],
  ['domain', "import '../../../local/clock';"],
  ['domain', "import '../../../lib/memory';"],
  ['domain', "import '../../../bin/shadow';"],
  ['adapters', "import '../handlers/shared/config';"],
  ['adapters', "import '../../local/clock';"],
  ['adapters', "import '../../lib/memory';"],
  ['handlers', "import '../../local/clock';"],
  ['handlers', "import '../../lib/memory';"],
  ['lib', "import '../lambdas/handlers/monitoring-agent';"],
  ['lib', "import '../lambdas/domain/monitoring/detector';"],
  ['lib', "import '../lambdas/adapters/event-publisher';"],
  ['lib', "import '../local/clock';"],
  ['local', "import '../lambdas/handlers/monitoring-agent';"],
  ['local', "import '../lambdas/adapters/event-publisher';"],
  ['local', "import '../lambdas/domain/monitoring/detector';"],
  ['local', "import '../lib/memory';"],
  ['console', "import '../../local/clock';"],
  ['console', "import '../../lambdas/adapters/event-publisher';"],
  ['console', "import '../../lambdas/domain/monitoring/detector';"],
];

const allowed: [Layer, string][] = [
  ['domain', "import '../contracts/platform';"],
  ['adapters', "import '../domain/monitoring/windows';"],
  ['handlers', "import '../adapters/event-publisher';"],
  ['lib', "import '../lambdas/domain/contracts/registry';"],
  ['local', "import '../lambdas/domain/contracts/describe';"],
  ['console', "import '../../lambdas/domain/contracts/operator-api';"],
];

/** The domain: no AWS client, no I/O, no clock, no randomness, no environment. */
const impure: [string, string[]][] = [
  ["import '@opensearch-project/opensearch';", ['no-restricted-imports']],
  ["import '@aws-sdk/client-dynamodb';", ['no-restricted-imports']],
  ["import 'node:crypto';", ['no-restricted-imports']],
  ["import 'node:fs';", ['no-restricted-imports']],
  ['export const now = Date.now();', ['no-restricted-properties']],
  ['export const r = Math.random();', ['no-restricted-properties']],
  ['export const d = new Date();', ['no-restricted-syntax']],
  ["export const d = new Date('2026-01-01');", []],
  ['export const e = process.env.X;', ['no-restricted-globals']],
];

describe('lint enforces the layers', () => {
  let findings: string[][];
  beforeAll(() => {
    findings = lintCases([
      ...forbidden.map(([layer, code]) => ({ layer, code })),
      ...allowed.map(([layer, code]) => ({ layer, code })),
      ...impure.map(([code]) => ({ layer: 'domain' as const, code })),
    ]);
  }, 180_000);

  it.each(forbidden.map((c, i) => [...c, i] as const))('%s: %s fails lint', (_layer, _code, i) => {
    expect(findings[i]).toEqual(['import-x/no-restricted-paths']);
  });

  it.each(allowed.map((c, i) => [...c, forbidden.length + i] as const))(
    '%s: %s is allowed',
    (_layer, _code, i) => {
      expect(findings[i]).toEqual([]);
    },
  );

  it.each(impure.map((c, i) => [...c, forbidden.length + allowed.length + i] as const))(
    'domain: %s reports %j',
    (_code, rules, i) => {
      expect(findings[i]).toEqual(rules);
    },
  );
});
