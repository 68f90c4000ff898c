import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './sandbox-fixture';

const run = promisify(execFile);

describe('npm start -- --events --out', () => {
  it('replays any file of envelopes and writes every event put on the bus', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pa-cli-'));
    const input = path.join(dir, 'invoices.ndjson');
    const out = path.join(dir, 'out.ndjson');
    // A stream no agent subscribes to, out of time order: it passes through untouched.
    const events = [3, 1, 2].map((n) => ({
      version: '0',
      id: `inv-${n}`,
      'detail-type': 'invoice_issued',
      source: 'billing.invoices',
      account: '123456789012',
      time: `2026-11-21T09:0${n}:00Z`,
      region: 'eu-west-1',
      resources: [],
      detail: { invoiceId: `INV-${n}`, amount: n * 10 },
    }));
    writeFileSync(input, events.map((e) => JSON.stringify(e)).join('\n') + '\n');

    const { stdout } = await run('npx', ['tsx', 'local/cli.ts', '--events', input, '--out', out], {
      cwd: repoRoot,
      env: { ...process.env, INIT_CWD: repoRoot },
    });

    const written = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; detail: unknown });
    // Replayed in event-time order, ids and details as they were.
    expect(written.map((e) => e.id)).toEqual(['inv-1', 'inv-2', 'inv-3']);
    expect(written[2]!.detail).toEqual({ invoiceId: 'INV-3', amount: 30 });
    expect(stdout).toMatch(/billing\.invoices +invoice_issued/);
    expect(stdout).toMatch(/wrote 3 events/);
  });
});
