// Longest suites first on a fresh clone. Jest orders the suites it has timed before by their last duration, slowest
// first, so that its workers finish together; on a clean clone (CI) it has no timings and orders them by file size,
// and the slowest suites (small files that boot whole sandboxes) could start last and run alone at the end — up to
// 50 s more of a 6-minute run on two workers. Here, only where jest has no timing of its own, the suites below go
// first, slowest first, by the seconds they took (`npx jest --json`, two workers on the 2-core CI machine).
'use strict';
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const MEASURED_SECONDS = {
  'test/sandbox/fault-drills.test.ts': 118,
  'test/sandbox/shadow.test.ts': 105,
  'test/browser/console.test.ts': 61,
  'test/sandbox/large-replay.test.ts': 37,
  'test/adapters/reroute-journal.test.ts': 26,
  'test/sandbox/governed-scenario.test.ts': 23,
  'test/construct/template-validators.test.ts': 22,
  'test/unit/regime-generator.test.ts': 21,
  'test/sandbox/large-reroute.test.ts': 19,
  'test/construct/cdk-nag.test.ts': 18,
  'test/sandbox/walkthrough.test.ts': 17,
  'test/sandbox/operator-api.test.ts': 16,
  'test/sandbox/cli.test.ts': 15,
  'test/sandbox/traces.test.ts': 13,
};

class LongestFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    if (sorted.some((test) => test.duration != null)) return sorted;
    const seconds = (test) =>
      MEASURED_SECONDS[path.relative(test.context.config.rootDir, test.path).split(path.sep).join('/')] ?? 0;
    // Array.prototype.sort is stable: the others keep jest's own order (by file size).
    return [...sorted].sort((a, b) => seconds(b) - seconds(a));
  }
}

module.exports = LongestFirst;
