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

let handler;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
try {
  const [file, exportName] = workerData.handler.split('.');
  const mod = require(path.join(workerData.codeDir, file));
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
