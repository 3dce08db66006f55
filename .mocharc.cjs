// One mocha run covers every package's compiled tests and the cross-package tests in test/.
module.exports = {
  spec: [
    'packages/*/dist/test/**/*.test.js',
    'test/dist/**/*.test.js',
  ],
  timeout: 60000,
  slow: 5000,
  reporter: './scripts/mocha-summary-reporter.cjs',
  exit: true,
};
