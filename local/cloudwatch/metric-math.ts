/**
 * The part of CloudWatch metric math the sandbox evaluates, one period at a time: numbers, metric ids,
 * `+ - * /`, parentheses, unary minus and `FILL(m, value)`. A missing operand makes the result missing, as a
 * time series has no datapoint at a timestamp where one of its inputs has none; division by zero gives no
 * datapoint. Anything else (other functions, SEARCH, anomaly bands) is refused when the alarm is loaded, with
 * the expression quoted, rather than evaluated wrongly.
 *
 * Syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
 */
class MetricMathError extends Error {
  override readonly name = 'MetricMathError';
}

/** The value of each metric id in one period (undefined: no datapoint). */
type PeriodValues = (id: string) => number | undefined;
export type CompiledExpression = {
  readonly ids: readonly string[];
  evaluate(values: PeriodValues): number | undefined;
};

type Node =
  | { kind: 'number'; value: number }
  | { kind: 'id'; id: string }
  | { kind: 'negate'; operand: Node }
  | { kind: 'binary'; operator: '+' | '-' | '*' | '/'; left: Node; right: Node }
  | { kind: 'fill'; series: Node; value: Node };

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\S))/y;

export function compileExpression(expression: string): CompiledExpression {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(expression); match; match = TOKEN.exec(expression)) {
    const token = match[1] ?? match[2] ?? match[3];
    // Each of TOKEN's alternatives captures: a match without a token is a bug in TOKEN.
    if (token === undefined)
      throw new MetricMathError(`metric math "${expression}": no token at ${match.index}`);
    tokens.push(token);
    if (TOKEN.lastIndex >= expression.length) break;
  }
  let at = 0;
  const fail = (what: string): never => {
    throw new MetricMathError(`metric math "${expression}": ${what}`);
  };
  const peek = () => tokens[at];
  const expect = (token: string) => {
    if (tokens[at] !== token)
      fail(`expected "${token}" at token ${at + 1}, found "${tokens[at] ?? 'the end'}"`);
    at++;
  };
  const ids = new Set<string>();
  const sum = (): Node => {
    let node = product();
    while (peek() === '+' || peek() === '-') {
      const operator = tokens[at++] as '+' | '-';
      node = { kind: 'binary', operator, left: node, right: product() };
    }
    return node;
  };
  const product = (): Node => {
    let node = unary();
    while (peek() === '*' || peek() === '/') {
      const operator = tokens[at++] as '*' | '/';
      node = { kind: 'binary', operator, left: node, right: unary() };
    }
    return node;
  };
  const unary = (): Node => {
    if (peek() === '-') {
      at++;
      return { kind: 'negate', operand: unary() };
    }
    return primary();
  };
  const primary = (): Node => {
    const token = tokens[at++];
    if (token === undefined) return fail('unexpected end');
    if (token === '(') {
      const node = sum();
      expect(')');
      return node;
    }
    if (/^\d/.test(token)) return { kind: 'number', value: Number(token) };
    if (/^[A-Za-z_]/.test(token)) {
      if (peek() === '(') {
        if (token !== 'FILL') fail(`the function ${token} is not supported in the sandbox (FILL is)`);
        at++;
        const series = sum();
        expect(',');
        const value = sum();
        expect(')');
        return { kind: 'fill', series, value };
      }
      if (!/^[a-z]/.test(token)) fail(`"${token}" is not a metric id (ids start with a lowercase letter)`);
      ids.add(token);
      return { kind: 'id', id: token };
    }
    return fail(`unexpected "${token}"`);
  };
  const root = sum();
  if (at < tokens.length) fail(`unexpected "${String(tokens[at])}" after the expression`);

  const evaluate = (node: Node, values: PeriodValues): number | undefined => {
    switch (node.kind) {
      case 'number':
        return node.value;
      case 'id':
        return values(node.id);
      case 'negate': {
        const value = evaluate(node.operand, values);
        return value === undefined ? undefined : -value;
      }
      case 'fill':
        return evaluate(node.series, values) ?? evaluate(node.value, values);
      case 'binary': {
        const left = evaluate(node.left, values);
        const right = evaluate(node.right, values);
        if (left === undefined || right === undefined) return undefined;
        switch (node.operator) {
          case '+':
            return left + right;
          case '-':
            return left - right;
          case '*':
            return left * right;
          case '/':
            return right === 0 ? undefined : left / right;
        }
      }
    }
  };
  return { ids: [...ids], evaluate: (values) => evaluate(root, values) };
}
