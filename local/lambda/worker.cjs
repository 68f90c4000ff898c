// One Lambda execution environment: loads the function's bundle once (the cold start) and runs invocations
// one at a time, like Lambda. Plain CommonJS so the bundle loads exactly as the Node.js runtime loads it.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const path = require('node:path');

// Without a trace header or a daemon the sandbox records no traces (Powertools Tracer stays inactive), yet the
// X-Ray SDK in the bundle still enables a cls-hooked async hook with a destroy callback on load, which costs a
// hook call for every promise of every invocation. Hooks created by the bundle are therefore kept disabled.
if (!process.env._X_AMZN_TRACE_ID && !process.env.AWS_XRAY_DAEMON_ADDRESS) {
  const asyncHooks = require('node:async_hooks');
  const createHook = asyncHooks.createHook;
  asyncHooks.createHook = (callbacks) => {
    const hook = createHook(callbacks);
    hook.enable = () => hook;
    return hook;
  };
}

/**
 * Loads the bundle as Node's CommonJS loader does, with V8's code cache: each cold start of the same bundle
 * otherwise parses and compiles its megabytes again (about 40% of a cold start's CPU). The cache is keyed by the
 * Node.js version and the bundle's bytes; V8 refuses (and we rewrite) a cache it cannot use. Anything but a plain
 * `.js` file, or no cache directory, is required as it is.
 */
function loadBundle(request) {
  const file = require.resolve(request);
  const cacheDir = workerData.codeCacheDir;
  if (!cacheDir || path.extname(file) !== '.js') return { exports: require(file) };
  const fs = require('node:fs');
  const vm = require('node:vm');
  const Module = require('node:module');
  const source = fs.readFileSync(file, 'utf8');
  const key = require('node:crypto')
    .createHash('sha256')
    .update(process.version)
    .update(source)
    .digest('hex');
  const cacheFile = path.join(cacheDir, `${key.slice(0, 40)}.bin`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  const compiled = script.runInThisContext({ displayErrors: true });
  compiled.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  const saveCache =
    cachedData === undefined || script.cachedDataRejected
      ? () => {
          // After the first invocation, so that the functions it compiled are in the cache too.
          try {
            fs.mkdirSync(cacheDir, { recursive: true });
            const partial = `${cacheFile}.${process.pid}.${require('node:worker_threads').threadId}.tmp`;
            fs.writeFileSync(partial, script.createCachedData());
            fs.renameSync(partial, cacheFile);
          } catch {
            // A cache that cannot be written costs the next cold start its compile time, nothing else.
          }
        }
      : undefined;
  return { exports: mod.exports, saveCache };
}

let handler;
let saveCodeCache;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
try {
  const [file, exportName] = workerData.handler.split('.');
  const bundle = loadBundle(path.join(workerData.codeDir, file));
  saveCodeCache = bundle.saveCache;
  const mod = bundle.exports;
  handler = mod[exportName];
  if (typeof handler !== 'function') throw new Error(`${workerData.handler} is not a function`);
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({
    type: 'init-error',
    errorType: error.name || 'Error',
    errorMessage: String(error.message),
  });
}

parentPort.on('message', async (message) => {
  if (message.type === 'heap') {
    // The sandbox's memory report: this execution environment's V8 heap.
    const { used_heap_size: used, total_heap_size: total } = require('node:v8').getHeapStatistics();
    parentPort.postMessage({ type: 'heap', used, total });
    return;
  }
  const deadline = Date.now() + workerData.timeoutMs;
  // Lambda's runtime puts the invocation's trace header in the environment, where the X-Ray SDK reads it.
  if (message.traceHeader) process.env._X_AMZN_TRACE_ID = message.traceHeader;
  else delete process.env._X_AMZN_TRACE_ID;
  const context = {
    functionName: workerData.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: workerData.functionArn,
    memoryLimitInMB: String(workerData.memorySize),
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${workerData.functionName}`,
    logStreamName: `sandbox/${message.requestId}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    // Fault drills: a slow consumer spends this long per record; a hung invocation never answers (after its work).
    const records = Array.isArray(message.event && message.event.Records) ? message.event.Records.length : 1;
    if (workerData.latencyPerRecordMs > 0) await sleep(workerData.latencyPerRecordMs * records);
    const result = await handler(message.event, context);
    if (saveCodeCache) {
      saveCodeCache();
      saveCodeCache = undefined;
    }
    if (message.hang) await new Promise(() => {});
    parentPort.postMessage({
      type: 'result',
      id: message.id,
      ok: true,
      result: result === undefined ? null : result,
    });
  } catch (error) {
    // Like the Lambda runtime: the failed invocation's error goes to the function's log.
    console.error(
      JSON.stringify({
        level: 'ERROR',
        message: 'Invoke Error',
        errorType: (error && error.name) || 'Error',
        errorMessage: String((error && error.message) || error),
        stack: error && error.stack ? String(error.stack).split('\n') : [],
      }),
    );
    parentPort.postMessage({
      type: 'result',
      id: message.id,
      ok: false,
      errorType: (error && error.name) || 'Error',
      errorMessage: String((error && error.message) || error),
    });
  }
});
