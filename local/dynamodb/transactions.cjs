// TransactWriteItems for dynalite, which has none: a thin layer in front of its request handler. A transaction
// runs alone (requests arriving meanwhile wait, requests in flight finish first) and applies its actions, which
// touch distinct items, concurrently through dynalite's own validation and actions (same conditions and update
// expressions) with ReturnValues ALL_OLD; if any is refused, it puts back the old images of those applied and
// answers TransactionCanceledException with one cancellation reason per action, as DynamoDB does.
// Every action is validated (dynalite's validation, the expression limits) before any is applied: a request with a
// malformed action is a ValidationException, and nothing of it is written.
// A ConditionCheck runs as an UpdateItem with its condition and no update (which changes nothing), and the
// empty item it creates when the checked item is absent is deleted again.
// An oversized item is refused as DynamoDB refuses it: a Put's size is known from the request, so it is a plain
// ValidationException before anything is applied; an Update's is known only once applied, so dynalite's refusal
// cancels the transaction (reason ValidationError, "Item size to update has exceeded the maximum allowed size").
// Not modelled: ClientRequestToken idempotency, TransactionConflict (nothing runs concurrently here), and the
// 4 MB aggregate size (AWS documents the limit but not its answer).
'use strict';
const { MAX_ITEM_BYTES, itemSize } = require('./item-size.cjs');

const TARGET = 'DynamoDB_20120810';
const MAX_ACTIONS = 100;

/**
 * Calls dynalite's own validation and action for one operation, as its HTTP handler does once it has parsed a
 * request, with the same answers: a transaction's actions skip the handler's HTTP work (JSON in and out, a
 * request id, a checksum) that only a request from outside needs. `store` is dynalite's (see {@link captureStore}).
 * `call.validate` and `call.apply` are the two halves, so that a transaction validates every action before it
 * applies any.
 */
function directCallerOf(store) {
  const validations = require('dynalite/validations');
  const operations = new Map();
  const operationOf = (name) => {
    let operation = operations.get(name);
    if (operation === undefined) {
      const file = validations.toLowerFirst(name);
      operation = {
        action: require(`dynalite/actions/${file}`),
        validation: require(`dynalite/validations/${file}`),
      };
      operations.set(name, operation);
    }
    return operation;
  };
  /** The request's data as the action takes it, or the refusal (a ValidationException, …) it gets instead. */
  const validate = (name, body) => {
    const { validation } = operationOf(name);
    try {
      const data = validations.checkTypes(body, validation.types);
      validations.checkValidations(data, validation.types, validation.custom, store);
      return { data };
    } catch (err) {
      if (err && err.statusCode) return { refusal: { status: err.statusCode, body: err.body } };
      throw err;
    }
  };
  const apply = (name, data) =>
    new Promise((resolve, reject) => {
      operationOf(name).action(store, data, (err, answer) => {
        if (err && err.statusCode) return resolve({ status: err.statusCode, body: err.body });
        if (err) return reject(err);
        resolve({ status: 200, body: answer ?? {} });
      });
    });
  const call = async (name, body) => {
    const { data, refusal } = validate(name, body);
    return refusal ?? apply(name, data);
  };
  call.validate = validate;
  call.apply = apply;
  return call;
}

/**
 * Keeps the store of the next dynalite server created (dynalite does not expose it): call before `dynalite()`,
 * then read `.store` once it has been called.
 */
function captureStore() {
  const db = require('dynalite/db');
  const create = db.create;
  const captured = { store: undefined };
  db.create = function createAndKeep(options) {
    db.create = create;
    captured.store = create.call(this, options);
    return captured.store;
  };
  return captured;
}

const error = (type, message, extra = {}) => ({
  status: 400,
  body: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message, ...extra },
});

/** Runs one TransactWriteItems request; `call` reaches dynalite. */
async function transactWriteItems(call, keySchemas, request) {
  const actions = Array.isArray(request.TransactItems) ? request.TransactItems : [];
  if (actions.length === 0 || actions.length > MAX_ACTIONS) {
    return error(
      'ValidationException',
      `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ACTIONS} and greater than or equal to 1`,
    );
  }
  const steps = [];
  const seen = new Set();
  for (const action of actions) {
    const kind = ['Put', 'Update', 'Delete', 'ConditionCheck'].find((k) => action[k] !== undefined);
    if (!kind) {
      return error(
        'ValidationException',
        'TransactWriteItems actions are Put, Update, Delete or ConditionCheck',
      );
    }
    const { TableName, Key, Item, ReturnValuesOnConditionCheckFailure: _ignored, ...rest } = action[kind];
    if (kind === 'Put' && putItemSize(Item) > MAX_ITEM_BYTES) {
      return error('ValidationException', 'Item size has exceeded the maximum allowed size');
    }
    const schema = await keySchemaOf(call, keySchemas, TableName);
    if (!schema) return error('ResourceNotFoundException', 'Requested resource not found');
    const source = kind === 'Put' ? Item : Key;
    const key = Object.fromEntries(schema.map((name) => [name, source?.[name]]));
    const id = `${TableName}|${JSON.stringify(key)}`;
    if (seen.has(id)) {
      return error(
        'ValidationException',
        'Transaction request cannot include multiple operations on one item',
      );
    }
    seen.add(id);
    const check = kind === 'ConditionCheck';
    const operation = check ? 'UpdateItem' : `${kind}Item`;
    const body = { TableName, ...(kind === 'Put' ? { Item } : { Key }), ...rest, ReturnValues: 'ALL_OLD' };
    steps.push({ operation, body, TableName, key, check });
  }

  // A request DynamoDB refuses whole (a malformed or oversized expression, a bad key shape) is refused before any
  // action is applied, as a ValidationException of the request; only what an action meets when applied (a failed
  // condition, an item grown past 400 KB) cancels the transaction with reasons.
  const validated = steps.map((step) => call.validate(step.operation, step.body));
  const refused = validated.find((v) => v.refusal !== undefined);
  if (refused) return refused.refusal;
  // The actions touch distinct items and nothing else runs meanwhile, so they are applied concurrently.
  const results = await Promise.all(steps.map((step, j) => call.apply(step.operation, validated[j].data)));
  // A check that passed on an absent item left an empty one behind: it never existed.
  await Promise.all(
    steps.map((step, j) =>
      step.check && results[j].status === 200 && !results[j].body.Attributes
        ? call('DeleteItem', { TableName: step.TableName, Key: step.key })
        : undefined,
    ),
  );
  const cancelled = results.findIndex((result) => result.status !== 200);
  if (cancelled >= 0) {
    await Promise.all(
      steps.map((step, j) => {
        if (results[j].status !== 200 || step.check) return undefined;
        const old = results[j].body.Attributes;
        return old
          ? call('PutItem', { TableName: step.TableName, Item: old })
          : call('DeleteItem', { TableName: step.TableName, Key: step.key });
      }),
    );
    const reasonOf = (result) => {
      if (result.status === 200) return { Code: 'None' };
      const type = String(result.body.__type ?? '')
        .split('#')
        .pop();
      const code = type === 'ConditionalCheckFailedException' ? 'ConditionalCheckFailed' : 'ValidationError';
      return { Code: code, Message: result.body.message ?? result.body.Message ?? type };
    };
    const type = String(results[cancelled].body.__type ?? '')
      .split('#')
      .pop();
    if (type !== 'ConditionalCheckFailedException' && type !== 'ValidationException')
      return results[cancelled];
    const reasons = results.map(reasonOf);
    return error(
      'TransactionCanceledException',
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
      { CancellationReasons: reasons },
    );
  }
  return { status: 200, body: {} };
}

/** A Put's item size, or 0 when the item is malformed (dynalite's own validation then answers for it). */
function putItemSize(item) {
  if (typeof item !== 'object' || item === null) return 0;
  try {
    return itemSize(item);
  } catch {
    return 0;
  }
}

async function keySchemaOf(call, keySchemas, tableName) {
  if (!keySchemas.has(tableName)) {
    const described = await call('DescribeTable', { TableName: tableName });
    if (described.status !== 200) return undefined;
    keySchemas.set(
      tableName,
      described.body.Table.KeySchema.map((k) => k.AttributeName),
    );
  }
  return keySchemas.get(tableName);
}

/**
 * Holds CreateTable's answer until the table is ACTIVE: the sandbox creates its tables instantly
 * (createTableMs 0), yet dynalite activates them a moment later, after the answer.
 */
function answerWhenActive(call, res) {
  const end = res.end.bind(res);
  res.end = (text) => {
    if (res.statusCode !== 200) return end(text);
    const tableName = JSON.parse(text).TableDescription.TableName;
    const poll = () =>
      void call('DescribeTable', { TableName: tableName }).then((described) => {
        if (described.status === 200 && described.body.Table.TableStatus === 'ACTIVE') end(text);
        else setTimeout(poll, 1);
      });
    poll();
    return res;
  };
}

/**
 * Puts the layer in front of `server`'s dynalite handler: TransactWriteItems runs alone, everything else goes
 * to dynalite as before. `store` is the server's dynalite store ({@link captureStore}), which the actions reach.
 */
function withTransactions(server, store) {
  const [handler] = server.listeners('request');
  server.removeAllListeners('request');
  const call = directCallerOf(store);
  const keySchemas = new Map();
  let inFlight = 0;
  let exclusive = false;
  const queue = [];
  const drained = [];

  const next = () => {
    while (!exclusive && queue.length > 0) {
      const item = queue.shift();
      if (item.transaction) {
        exclusive = true;
        if (inFlight === 0) item.run();
        else drained.push(item.run);
        return;
      }
      item.run();
    }
  };
  const finish = () => {
    inFlight--;
    if (inFlight === 0 && drained.length > 0) drained.shift()();
  };

  server.on('request', (req, res) => {
    if (req.headers['x-amz-target'] === `${TARGET}.CreateTable`) answerWhenActive(call, res);
    const transaction = req.headers['x-amz-target'] === `${TARGET}.TransactWriteItems`;
    if (!transaction) {
      const run = () => {
        inFlight++;
        res.once('close', finish);
        handler(req, res);
      };
      if (exclusive || queue.length > 0) queue.push({ transaction: false, run });
      else run();
      return;
    }
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      queue.push({
        transaction: true,
        run: () => {
          let request;
          try {
            request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            request = undefined;
          }
          const answer = request
            ? transactWriteItems(call, keySchemas, request)
            : Promise.resolve(error('SerializationException', 'The request body is not valid JSON.'));
          void answer
            .catch((e) => ({
              status: 500,
              body: { __type: 'InternalFailure', message: String(e && e.message) },
            }))
            .then(({ status, body }) => {
              const text = JSON.stringify(body);
              res.statusCode = status;
              res.setHeader('Content-Type', 'application/x-amz-json-1.0');
              res.setHeader('Content-Length', Buffer.byteLength(text));
              res.end(text);
              exclusive = false;
              next();
            });
        },
      });
      next();
    });
  });
}

module.exports = { captureStore, withTransactions };
