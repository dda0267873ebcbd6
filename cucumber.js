// Cucumber profiles. `npm run bdd` uses `default`; CI adds `--profile ci`; `npm run bdd:smoke` uses `smoke`.
// The first import registers tsx so that steps and support code load as TypeScript.
// Paths are Cucumber's default (features/**/*.feature), so `npm run bdd -- <file>` runs just that file.
const common = {
  import: ['support/tsx-register.mjs', 'support/world.ts', 'support/parameter-types.ts', 'support/hooks.ts', 'steps/**/*.steps.ts'],
  format: [
    'progress',
    // The Allure formatter writes result files itself; its own stream goes to a file so progress keeps stdout.
    'allure-cucumberjs/reporter:reports/allure-formatter.log',
    // The run's machine-readable record (npm test reads each scenario's status from it).
    'message:reports/cucumber-messages.ndjson',
    'junit:reports/junit.xml',
    // The failed scenarios, for `npm run bdd:rerun`.
    'rerun:reports/rerun.txt',
  ],
  formatOptions: {
    junit: { suiteName: 'OmniRelay hyperscale acceptance' },
    // Evidence (topologies, views, node logs) belongs in the report, not in the console summary.
    printAttachments: false,
    resultsDir: 'reports/allure-results',
    // Epic comes from the feature's folder (support/hooks.ts); story and severity from tags.
    labels: [
      { pattern: [/^@story:(.*)$/], name: 'story' },
      { pattern: [/^@severity:(.*)$/], name: 'severity' },
      { pattern: [/^@catches:(.*)$/], name: 'tag' },
    ],
    links: {
      issue: { pattern: [/@issue=(.*)/], urlTemplate: '%s' },
    },
  },
  // Retries are allowed only for scenarios an author has marked @flaky.
  retry: 1,
  retryTagFilter: '@flaky',
  // A cluster kept for debugging (OMNIRELAY_HYPERSCALE_KEEP_ON_FAILURE) keeps the CA's server and the
  // leadership streams open, which would hold the process forever: end the run anyway (the kept
  // containers stay until the next run's sweep). Same truthy values as support/settings.ts.
  forceExit: ['true', '1', 'yes', 'on'].includes((process.env.OMNIRELAY_HYPERSCALE_KEEP_ON_FAILURE ?? '').trim().toLowerCase()),
};

// In an ESM config the default export is the default profile; named exports are the other profiles.
export default common;
export const ci = { ...common, format: [...common.format, 'summary'] };
export const smoke = { ...common, tags: '@smoke' };
// Used by `npm run bdd:random` for each case: the normal evidence, no retries (a case fails or it does not).
export const random = { ...common, retry: 0, retryTagFilter: '' };
// Used by `npm run bdd:sensitivity`: no Allure output, so defect runs never mix with a real run's report.
export const sensitivity = { ...common, format: ['progress'], retry: 0, retryTagFilter: '' };
