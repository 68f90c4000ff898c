import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalFunction } from '../../local/lambda/local-function';

/**
 * The worker loads a bundle with V8's code cache (local/lambda/worker.cjs): a cold start of a bundle seen before
 * skips parsing and compiling it. The bundle must still load exactly as Node's CommonJS loader loads it.
 */
describe('cold starts with the code cache', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'code-cache-'));
  const codeDir = path.join(root, 'bundle');
  const cacheDir = path.join(root, 'cache');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  mkdirSync(path.join(codeDir, 'lib'), { recursive: true });
  // A bundle that uses what the CommonJS wrapper provides: a relative require, __dirname, module.exports.
  writeFileSync(path.join(codeDir, 'lib', 'greeting.js'), 'module.exports = (name) => `hello ${name}`;\n');
  writeFileSync(
    path.join(codeDir, 'index.js'),
    [
      "const path = require('node:path');",
      "const greet = require('./lib/greeting');",
      'exports.handler = async (event) => ({',
      '  greeting: greet(event.name),',
      '  dir: path.basename(__dirname),',
      '  isMain: module.exports === exports,',
      '});',
      '',
    ].join('\n'),
  );

  const coldStart = () =>
    new LocalFunction({
      functionName: 'cached',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:cached',
      codeDir,
      handler: 'index.handler',
      timeoutSeconds: 10,
      memorySize: 128,
      environment: {},
      codeCacheDir: cacheDir,
    });
  const invokeOnce = async () => {
    const fn = coldStart();
    try {
      return await fn.invoke({ name: 'operator' });
    } finally {
      await fn.close();
    }
  };
  const cacheFiles = () => readdirSync(cacheDir).filter((name) => name.endsWith('.bin'));
  const expected = { ok: true, result: { greeting: 'hello operator', dir: 'bundle', isMain: true } };

  it('writes the cache after the first invocation, and a later cold start uses it without rewriting it', async () => {
    await expect(invokeOnce()).resolves.toEqual(expected);
    expect(cacheFiles()).toHaveLength(1);
    const file = path.join(cacheDir, cacheFiles()[0]!);
    const written = statSync(file).mtimeMs;

    await expect(invokeOnce()).resolves.toEqual(expected);
    expect(cacheFiles()).toHaveLength(1);
    expect(statSync(file).mtimeMs).toBe(written);
  });

  it('loads the bundle when the cache is unusable, and writes it again', async () => {
    const file = path.join(cacheDir, cacheFiles()[0]!);
    writeFileSync(file, 'not a code cache');

    await expect(invokeOnce()).resolves.toEqual(expected);
    expect(readFileSync(file, 'utf8')).not.toBe('not a code cache');
  });

  it('keys the cache by the bundle: a changed bundle gets its own', async () => {
    writeFileSync(path.join(codeDir, 'lib', 'greeting.js'), 'module.exports = (name) => `hi ${name}`;\n');
    writeFileSync(
      path.join(codeDir, 'index.js'),
      "const greet = require('./lib/greeting');\nexports.handler = async (event) => ({ greeting: greet(event.name) });\n",
    );
    await expect(invokeOnce()).resolves.toEqual({ ok: true, result: { greeting: 'hi operator' } });
    expect(cacheFiles()).toHaveLength(2);
  });
});
