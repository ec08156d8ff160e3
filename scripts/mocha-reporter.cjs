// Spec output on the console, plus the run's counts written where scripts/test.mjs can sum them.
const Mocha = require('mocha');
const { writeFileSync } = require('node:fs');

class CountingSpec extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const out = process.env.IOPF_TEST_COUNTS;
      if (out) {
        const s = runner.stats;
        writeFileSync(out, JSON.stringify({ passed: s.passes, failed: s.failures, pending: s.pending }));
      }
    });
  }
}
module.exports = CountingSpec;
