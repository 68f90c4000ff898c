// dynalite in its own thread: DynamoDB's stand-in serves requests (JSON, expression parsing, LevelDB) beside the
// sandbox's main thread — the bus, queues and state machines — instead of taking turns with it. Plain CommonJS,
// like ../lambda/worker.cjs, so it runs the same under tsx, jest and node.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { ClassicLevel } = require('classic-level');

// Point reads from LevelDB synchronously: a read served from its memtable or block cache takes microseconds,
// while the asynchronous get pays a thread-pool round trip (and a snapshot under the DB mutex) for each of the
// several reads every DynamoDB write makes. This thread serves nothing else, so blocking it briefly costs nothing.
ClassicLevel.prototype._get = function getNow(key, options) {
  try {
    return Promise.resolve(this._getSync(key, options));
  } catch (error) {
    return Promise.reject(error);
  }
};
// Writes issued in one turn of the event loop (a transaction's actions, a BatchWriteItem's items and their index
// entries) go to LevelDB as one write batch: one thread-pool round trip and one log write instead of one each.
// Each put still resolves only once written, so dynalite's per-item locks keep reads after writes consistent.
const pendingPuts = Symbol('pendingPuts');
ClassicLevel.prototype._put = function putBatched(key, value) {
  let pending = this[pendingPuts];
  if (!pending) {
    pending = this[pendingPuts] = [];
    setImmediate(() => {
      this[pendingPuts] = undefined;
      this._batch(
        pending.map((put) => ({ type: 'put', key: put.key, value: put.value })),
        {},
      ).then(
        () => pending.forEach((put) => put.resolve()),
        (error) => pending.forEach((put) => put.reject(error)),
      );
    });
  }
  return new Promise((resolve, reject) => pending.push({ key, value, resolve, reject }));
};
// LevelDB keeps up to `maxOpenFiles` table files open (its default, 1,000: 2 MB each), memory-mapped, and the pages
// it reads count toward the process's resident memory. Held to 64 open files here, a replay whose data outgrew them
// kept evicting tables from the cache and opening (and mapping) them again: a million-event replay ran at 1,547
// events/s, against 1,786 with the default, at about the same peak (1,065 and 1,041 MiB; bench/replay.ts). What
// does keep tables mapped is an iterator left open (below): it pins its tables after compaction has replaced them.
// LevelDB's memtable (`writeBufferSize`, 4 MB by default) becomes a level-0 table each time it fills, and every table
// then goes through compactions into the levels below. A replay writes each order and its index entry, and rewrites
// the monitoring agent's window counters every minute: with 4 MB, compaction was about a third of the process's CPU
// late in a long replay. With 32 MB, the million-event replay ran at 1,949 events/s and 671 µs of CPU per event,
// against 1,786 and 864 (peak RSS 1,078 against 1,041 MiB); 64 MB kept level with it (no clear gain).
const WRITE_BUFFER_BYTES = 32 * 1024 * 1024;
const openLevel = ClassicLevel.prototype._open;
ClassicLevel.prototype._open = function openWithLargerMemtable(options) {
  return openLevel.call(this, { ...options, writeBufferSize: WRITE_BUFFER_BYTES });
};
// dynalite ends its Query and Scan streams with `iterator.return()`, which abstract-level's iterators do not have
// (they close with `close()`): without this, each Query left its LevelDB iterator open until the database closed,
// and every open iterator keeps the table files it read, and the version they belong to, alive.
const { AbstractIterator } = require('abstract-level');
const iteratorBase = Object.getPrototypeOf(AbstractIterator.prototype);
if (typeof iteratorBase.return !== 'function') {
  iteratorBase.return = function closeIterator() {
    return this.close();
  };
}
// dynalite reads each item through a callback wrapper around LevelDB's promise (its own, a catch, a tracked copy for
// shutdown, then setImmediate): per item read, several promise hops and a deferred callback. An open database
// answers the read at once (LevelDB's memtable or block cache, as above); the callback still comes on a later
// turn, as dynalite's code expects. A closed or closing database, or an error, takes dynalite's own path.
function readItemsSynchronously(db) {
  const get = db.get;
  db.get = function getNow(key, callback) {
    if (typeof callback !== 'function' || db.status !== 'open') return get.call(this, key, callback);
    let value;
    try {
      value = db.getSync(key);
    } catch {
      return get.call(this, key, callback);
    }
    setImmediate(callback, null, value);
    return undefined;
  };
}
const dynalite = require('dynalite');
const { measureItemsInUtf8 } = require('./item-size.cjs');
const { cacheExpressionParses } = require('./expression-cache.cjs');
const { limitExpressions } = require('./expression-limits.cjs');
const { captureStore, withTransactions } = require('./transactions.cjs');
const { withSessionGuard } = require('./session-guard.cjs');

measureItemsInUtf8();
cacheExpressionParses();
limitExpressions();
const captured = captureStore();
const server = dynalite({
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
  ...(workerData.path ? { path: workerData.path } : {}),
});
server.keepAliveTimeout = 60_000;
withTransactions(server, captured.store);
readItemsSynchronously(captured.store.db);
// In front of everything: requests signed with a task session's credentials are authorized first.
withSessionGuard(server, parentPort);
// Requests served, by operation: what the agents ask of DynamoDB, for the sandbox's reports and benches.
const requests = {};
server.prependListener('request', (req) => {
  const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
  requests[operation] = (requests[operation] ?? 0) + 1;
});
server.listen(0, '127.0.0.1', () =>
  parentPort.postMessage({ type: 'listening', port: server.address().port }),
);
parentPort.on('message', (message) => {
  if (message.type === 'requests') {
    parentPort.postMessage({ type: 'requests', requests: { ...requests } });
  } else if (message.type === 'heap') {
    const { used_heap_size: used, total_heap_size: total } = require('node:v8').getHeapStatistics();
    parentPort.postMessage({ type: 'heap', used, total });
  } else if (message.type === 'close') {
    server.closeAllConnections();
    server.close(() => parentPort.postMessage({ type: 'closed' }));
  }
});
