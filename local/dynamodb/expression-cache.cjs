// Parses each expression shape once: dynalite runs its PEG parsers on every ConditionExpression,
// UpdateExpression, KeyConditionExpression and FilterExpression of every request (and of every action of a
// transaction) — a third of its time in a replay, where the same few expressions come back with other values.
//
// A parse depends on the expression, the attribute names, the TYPES of the attribute values (operand type
// checks) and whether it is a key condition; the tree it returns holds the value objects themselves. So the
// tree is kept per (expression, names, value types, key condition), and a later request gets a copy with its
// own value objects put where the first request's were, the names and values the expression mentions marked
// as used (a successful parse resolves them all, and a request may use a name in two of its expressions), and
// the same error if the first one failed. Expressions whose checks read the values themselves (BETWEEN compares
// its bounds, attribute_type reads its type operand) are always parsed afresh.
'use strict';

const MAX_ENTRIES = 5_000;
const VALUE_READING = /between|attribute_type/i;
const TYPES = ['S', 'N', 'B', 'NULL', 'BOOL', 'SS', 'NS', 'BS', 'L', 'M'];
/** The names (`#n`) and values (`:v`) an expression mentions; expressions have no string literals. */
const TOKENS = /[#:][0-9A-Za-z_]+/g;

const typeOf = (value) => TYPES.find((type) => value != null && value[type] != null) ?? '?';

function keyOf(expression, context) {
  const values = context.attrVals ?? {};
  const types = Object.keys(values)
    .sort()
    .map((name) => `${name}=${typeOf(values[name])}`)
    .join(',');
  return `${context.isKeyCondition ? 'K' : 'E'}\u0000${expression}\u0000${JSON.stringify(context.attrNames ?? {})}\u0000${types}`;
}

/** A copy of `node` with every first-request value object replaced by this request's value of that name. */
function rebind(node, slots, values) {
  if (node === null || typeof node !== 'object') return node;
  const slot = slots.get(node);
  if (slot !== undefined) return values[slot];
  if (Array.isArray(node)) return node.map((child) => rebind(child, slots, values));
  const copy = Object.create(Object.getPrototypeOf(node));
  for (const key of Object.keys(node)) copy[key] = rebind(node[key], slots, values);
  return copy;
}

/** Makes `parser.parse` (a dynalite PEG parser module) parse each expression shape once. */
function memoize(parser) {
  const parse = parser.parse;
  const cache = new Map();
  parser.parse = function parseOnce(expression, options) {
    const context = options && options.context;
    if (!context || typeof expression !== 'string' || VALUE_READING.test(expression)) {
      return parse.call(this, expression, options);
    }
    const key = keyOf(expression, context);
    let entry = cache.get(key);
    if (entry === undefined) {
      let result;
      let error;
      try {
        result = parse.call(this, expression, options);
      } catch (thrown) {
        error = thrown;
      }
      const slots = new Map(Object.entries(context.attrVals ?? {}).map(([name, value]) => [value, name]));
      // dynalite evaluates parts of the tree in place (if_not_exists, for one): the cache keeps its own copy.
      entry = {
        result: rebind(result, slots, context.attrVals ?? {}),
        error,
        tokens: expression.match(TOKENS) ?? [],
        slots,
      };
      if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value);
      cache.set(key, entry);
      if (error) throw error;
      return result;
    }
    // A successful parse resolves every name and value the expression mentions: they are used.
    for (const token of entry.tokens) {
      /* eslint-disable @typescript-eslint/no-dynamic-delete -- dynalite's own records of unused names and values */
      if (context.unusedAttrNames) delete context.unusedAttrNames[token];
      if (context.unusedAttrVals) delete context.unusedAttrVals[token];
      /* eslint-enable @typescript-eslint/no-dynamic-delete */
    }
    if (entry.error) throw entry.error;
    return rebind(entry.result, entry.slots, context.attrVals ?? {});
  };
}

/** Memoizes dynalite's condition and update expression parsers; call before dynalite handles a request. */
function cacheExpressionParses() {
  memoize(require('dynalite/db/conditionParser'));
  memoize(require('dynalite/db/updateParser'));
}

module.exports = { cacheExpressionParses };
