// Command-line options of `npm run report:check` (support/cli/report-check.ts).
import { parseFlags, UsageError } from '../../cli/flags';
export interface ReportCheckOptions {
  /** Allure results folder (what `npm run bdd` writes). */
  readonly results: string;
  /** Generated report folder; built from `results` when missing or older. */
  readonly report: string;
  /** The scenario whose timeline picture is checked. */
  readonly scenario: string;
  /** Where the screenshot of the opened timeline goes. */
  readonly screenshot: string;
  /** Chromium to drive (Debian's by default). */
  readonly chromium: string;
}

export const DEFAULTS = {
  results: 'reports/allure-results',
  report: 'reports/allure-report',
  scenario: 'GlobalClusterBootstrap_DefaultTopology',
  screenshot: 'reports/report-check.png',
  chromium: '/usr/bin/chromium',
} as const satisfies ReportCheckOptions;

export const USAGE = `usage: npm run report:check -- [--results <dir>] [--report <dir>] [--scenario <name>] [--screenshot <file.png>]
  --results     Allure results (default ${DEFAULTS.results})
  --report      generated report, rebuilt when missing or older than the results (default ${DEFAULTS.report})
  --scenario    the test to open (default ${DEFAULTS.scenario})
  --screenshot  picture of the opened timeline (default ${DEFAULTS.screenshot})
  CHROMIUM_PATH overrides the browser (default ${DEFAULTS.chromium})`;

export { UsageError };

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ReportCheckOptions {
  const { values } = parseFlags(argv, {
    results: { type: 'string' },
    report: { type: 'string' },
    scenario: { type: 'string' },
    screenshot: { type: 'string' },
  });
  for (const [key, value] of Object.entries(values)) if (value.trim() === '') throw new UsageError(`--${key} needs a value`);
  return {
    results: values.results ?? DEFAULTS.results,
    report: values.report ?? DEFAULTS.report,
    scenario: values.scenario ?? DEFAULTS.scenario,
    screenshot: values.screenshot ?? DEFAULTS.screenshot,
    chromium: env.CHROMIUM_PATH?.trim() || DEFAULTS.chromium,
  };
}
