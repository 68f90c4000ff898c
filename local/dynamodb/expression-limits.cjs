// DynamoDB's expression limits, which dynalite does not enforce: every expression parameter (UpdateExpression,
// ConditionExpression, KeyConditionExpression, FilterExpression, ProjectionExpression) is at most 4 KB, measured on
// the string as sent (UTF-8 bytes, names and values not substituted), and has at most 300 operators and functions
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html#limits-expression-parameters:
// "SET a = :val1 + :val2 + :val3 contains two "+" operators"). Refused as DynamoDB refuses them: a
// ValidationException "Invalid <parameter>: Expression size has exceeded the maximum allowed size; expression size:
// <bytes>" or "… The expression contains too many operators; operator count: <n>" — dynalite's own validation adds
// the "Invalid <parameter>: " to the message a parser throws. Plain CommonJS, like the rest of dynalite's thread.
'use strict';

const MAX_EXPRESSION_BYTES = 4_096;
const MAX_OPERATORS = 300;

/**
 * The operators and functions of a parsed condition (dynalite's tree): every node with a `type` (AND, OR, NOT,
 * comparators, BETWEEN, IN, functions), through their `args`. Attribute values and paths carry no `type`.
 */
function operatorsIn(node) {
  if (node === null || typeof node !== 'object') return 0;
  if (Array.isArray(node)) return node.reduce((count, child) => count + operatorsIn(child), 0);
  return (typeof node.type === 'string' ? 1 : 0) + operatorsIn(node.args);
}

/** An update's operators: those in each action's value (`+`, `-`, functions); the SET/ADD/… actions are not. */
const updateOperators = (result) =>
  (result && Array.isArray(result.sections) ? result.sections : []).reduce(
    (count, section) => count + operatorsIn(section.val),
    0,
  );

const conditionOperators = (result) => operatorsIn(result && result.expression);

/** Wraps `parser.parse` with the size check before parsing and the operator count after. */
function limit(parser, operatorsOf) {
  const parse = parser.parse;
  parser.parse = function parseWithinLimits(expression, options) {
    if (typeof expression === 'string') {
      const bytes = Buffer.byteLength(expression, 'utf8');
      if (bytes > MAX_EXPRESSION_BYTES) {
        throw new Error(`Expression size has exceeded the maximum allowed size; expression size: ${bytes}`);
      }
    }
    const result = parse.call(this, expression, options);
    const operators = operatorsOf ? operatorsOf(result) : 0;
    if (operators > MAX_OPERATORS) {
      throw new Error(`The expression contains too many operators; operator count: ${operators}`);
    }
    return result;
  };
}

/** Puts the limits on dynalite's expression parsers; call after `cacheExpressionParses`, before any request. */
function limitExpressions() {
  limit(require('dynalite/db/conditionParser'), conditionOperators);
  limit(require('dynalite/db/updateParser'), updateOperators);
  limit(require('dynalite/db/projectionParser'));
}

module.exports = { limitExpressions };
