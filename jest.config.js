const { availableParallelism } = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
    // middy and jose (the sandbox's Cognito tokens) ship ES modules only: compiled to CommonJS for jest.
    '^.+/node_modules/(@middy|jose)/.+\\.js$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/|jose/)'],
  setupFiles: ['<rootDir>/test/setup.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // The slowest suites first on a clean clone, where jest has no timings of its own (see the file).
  testSequencer: '<rootDir>/test/sequencer.cjs',
  testTimeout: 120000,
  // Jest's default is one worker fewer than the cores: one worker on a 2-core machine, where most of the suite's time
  // is sandboxes waiting on their own threads (dynalite, the functions) and a browser; two workers overlap them.
  // Test files that run the CLIs give them a sandbox directory each (ownSandboxDir in test/sandbox/sandbox-fixture.ts),
  // so two of them never share an endpoint record, a last run or logs.
  maxWorkers: Math.max(2, availableParallelism() - 1),
};
