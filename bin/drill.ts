import '../local/polyfills';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAssembly } from '../local/assembly';
import { DRILL_CATALOG, drillNamed, formatVerdict, runDrill } from '../local/drill';
import { formatKpis } from '../local/kpi';
import { sandboxDir } from '../local/sandbox-dir';
import { loadTemplate } from '../local/template';

const root = path.resolve(__dirname, '..');
const usage = `Usage: npm run drill -- <name> [--assembly <dir>]

Runs the retail walk-through in the sandbox with the drill's fault, on the virtual clock, and checks that the
expected alarm fired within its response window, every incident was resolved or escalated, and nothing was
lost. Exits 1 when a check fails. --assembly: a cloud assembly synthesized beforehand, used as it is (default
cdk.out, synthesized when stale).

Drills:
${DRILL_CATALOG.map((d) => `  ${d.name.padEnd(20)} ${d.description} (alarm: ${d.expectedAlarm}${d.expectedAlarm === 'none' ? '' : `, within ${d.responseWindowMinutes} min`})`).join('\n')}`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { assembly: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const [name, ...rest] = positionals;
  if (!name || values.help || rest.length > 0) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const drill = drillNamed(name);
  const assemblyDir = values.assembly
    ? path.resolve(process.env.INIT_CWD ?? process.cwd(), values.assembly)
    : path.join(root, 'cdk.out');
  if (!values.assembly) ensureAssembly(root, assemblyDir, (line) => console.error(line));
  const services = loadTemplate(assemblyDir, { region: 'us-east-1', accountId: '123456789012', endpoint: '' })
    .resourcesOfType('AWS::Lambda::Function')
    .map(
      ([, r]) =>
        (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
    )
    .map((v) => v?.POWERTOOLS_SERVICE_NAME)
    .filter((s): s is string => typeof s === 'string');
  const result = await runDrill(drill, {
    assemblyDir,
    services,
    logDir: path.join(sandboxDir(root), 'logs'),
  });
  for (const line of formatVerdict(result)) console.log(line);
  console.log('\nKPIs (time from spike to resolution; cancellation ratio back to baseline: local/kpi.ts):');
  for (const line of formatKpis(result.incidents)) console.log(line);
  return result.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
