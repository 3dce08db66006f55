// The spec reporter, plus a plain "N passed, N failed, N skipped" closing line that CI reads
// whatever the test runner is.
const Mocha = require('mocha');

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || {};
      console.log(`${s.passes || 0} passed, ${s.failures || 0} failed, ${s.pending || 0} skipped`);
    });
  }
}

module.exports = SummaryReporter;
