// @ts-check
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers (README "Layout"): dependencies point inward, `handlers → domain ← adapters`; `lib/` knows handler
 * entry paths as strings, and of the code only the event contracts and the configuration schemas it publishes;
 * `local/` (the sandbox) knows the template and the AWS APIs it stands in for, never a particular agent. Checked on
 * resolved paths, so a relative import is caught like any other.
 */
const outside = ['./local', './lib', './bin', './console'];
const layers = [
  {
    target: './lambdas/domain',
    from: ['./lambdas/adapters', './lambdas/handlers', ...outside],
    message: 'lambdas/domain is pure: declare a port in the domain and implement it in lambdas/adapters.',
  },
  {
    target: './lambdas/adapters',
    from: ['./lambdas/handlers', ...outside],
    message: 'adapters implement domain ports: no handler, sandbox, infrastructure or CLI code.',
  },
  {
    target: './lambdas/handlers',
    from: outside,
    message: 'handlers run on Lambda: no sandbox, infrastructure or CLI code.',
  },
  {
    target: './lib',
    from: './lambdas/handlers',
    message: 'lib names handler entry files by path, never imports them.',
  },
  {
    target: './lib',
    from: './lambdas/domain',
    // What the infrastructure publishes: the contracts (schema registry, rule patterns), the governance
    // configuration's schema (AppConfig validator), the task session tags (IAM conditions) and the agents' KPI
    // declarations (an alarm on each one a metric measures), and the task catalog's limits (plan length, task and
    // compensation timeouts), which the saga's execution timeout must outlast.
    except: [
      './contracts',
      './governance/governance-config.ts',
      './governance/task-session.ts',
      './operator/kpis.ts',
      './planning/task-catalog.ts',
    ],
    message: 'lib knows the contracts and the configuration it publishes, not domain logic.',
  },
  {
    target: './lib',
    from: './lambdas/adapters',
    // The vector index's mapping, which the collection's index resource declares.
    except: ['./semantic-index-mapping.ts'],
    message: 'lib knows no adapter code.',
  },
  { target: './lib', from: ['./local', './bin', './console'], message: 'lib is the deployed app only.' },
  {
    target: './local',
    from: './lambdas/handlers',
    message: 'the sandbox runs the template, never a particular agent.',
  },
  {
    target: './local',
    from: './lambdas/adapters',
    message: 'the sandbox stands in for AWS APIs; it does not run the product adapters.',
  },
  {
    target: './local',
    from: './lambdas/domain',
    // The sandbox's Bedrock (local/bedrock/): its embedder implements the Embedder port (tests plug it in), and
    // its stand-in model answers with the rule the planner falls back to, over the facts the call carries. The
    // timeline and drills report each incident against the agents' KPI declarations.
    except: ['./contracts', './memory/embedder.ts', './planning/plan.ts', './operator/kpis.ts'],
    message: 'the sandbox knows the event contracts, not domain logic.',
  },
  { target: './local', from: ['./lib', './bin'], message: 'the sandbox reads cdk.out, not lib/.' },
  {
    target: './local',
    from: './console',
    // What the console server sends the browser (live events, traces), and the configuration it serves it.
    except: ['./src/config.ts', './src/live-messages.ts', './src/trace-messages.ts'],
    message: 'the sandbox serves the built console; it shares only the shapes of what it sends it.',
  },
  {
    target: './console',
    from: ['./lambdas/handlers', './lambdas/adapters', './local', './lib', './bin'],
    message: 'the console is a browser app: it talks to the HTTP API only.',
  },
  {
    target: './console',
    from: './lambdas/domain',
    except: ['./contracts'],
    message: 'the console knows the API contracts only.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.sandbox/', 'coverage/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.cjs', '.mjs', '.json'] }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layers }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Numbers are meant to be read in messages; nullish values and objects still have to be spelled out.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowAny: false, allowBoolean: false, allowNullish: false, allowRegExp: false },
      ],
      // `(x) => f(x)` callbacks are how this code hands work on; a void inside a larger expression is still refused.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // A value that must be present is checked where it is read, and its absence named in an Error.
      '@typescript-eslint/no-non-null-assertion': 'error',
      // Wrong here: it takes `!:` fields and jest's `let x: T` for always set (stop() after a failed boot, afterAll
      // after a failed beforeAll), JSON.stringify for never undefined, and a field read after an await for unchanged.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  {
    // The domain is pure: no AWS SDK, no CDK, no I/O. Clock and randomness are injected.
    files: ['lambdas/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@aws-sdk/*',
                '@smithy/*',
                'aws-cdk-lib',
                'aws-cdk-lib/*',
                'constructs',
                'aws-lambda',
                '@aws-lambda-powertools/*',
                '@opensearch-project/*',
                '@cedar-policy/*',
              ],
              message: 'lambdas/domain stays pure: use a port and an adapter.',
            },
            {
              group: [
                'node:fs',
                'fs',
                'node:child_process',
                'child_process',
                'node:net',
                'node:http',
                'node:https',
                'node:crypto',
                'crypto',
                'node:os',
                'os',
              ],
              message: 'lambdas/domain does no I/O; randomness and the clock are injected.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Pass configuration in; the domain reads no environment.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Inject the clock: the domain reads no time.' },
        { object: 'Math', property: 'random', message: 'Inject randomness: the domain stays deterministic.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Inject the clock: the domain reads no time.',
        },
      ],
    },
  },
  {
    // The sandbox's CommonJS files run inside worker threads (the Lambda runtime, dynalite): plain JavaScript.
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      parserOptions: { projectService: false },
      globals: {
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        clearImmediate: 'readonly',
        queueMicrotask: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        AbortController: 'readonly',
        performance: 'readonly',
      },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Hot loops over typed arrays whose indices are in range by construction (node and arc ids, heap slots): a
    // check per read would slow the solver, and the benchmark's reference solver it is timed against.
    files: ['lambdas/domain/fulfillment/min-cost-flow.ts', 'bench/min-cost-flow.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // In a test a wrong `!` fails the test: reading the missing value throws, so the assertion is the check.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
