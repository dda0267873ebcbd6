// Command-line options of `npm run report:check` (support/cli/report-check.ts).
import { parseFlags, UsageError } from '../../cli/flags';
export interface ReportCheckOptions {
  /** Allure results folder (what `npm run bdd` writes). */
  readonly results: string;
  /** Generated report folder; built from `results` when missing or older. */
  readonly report: string;
  /** The scenarios whose timeline pictures are checked. */
  readonly scenarios: readonly string[];
  /** Where the screenshots of the opened timelines go: `<base>-<scenario>.png`. */
  readonly screenshot: string;
  /** Chromium to drive (Debian's by default). */
  readonly chromium: string;
}

export const DEFAULTS = {
  results: 'reports/allure-results',
  report: 'reports/allure-report',
  // Client operations and elections (bootstrap), overlapping faults with crashed and cut-off nodes (chained).
  scenarios: ['GlobalClusterBootstrap_DefaultTopology', 'ChainedFaults_ClusterConvergesAfterOverlappingFaults'],
  screenshot: 'reports/report-check.png',
  chromium: '/usr/bin/chromium',
} as const satisfies ReportCheckOptions;

/** `reports/report-check.png` and scenario X → `reports/report-check-X.png`. */
export function screenshotOf(o: Pick<ReportCheckOptions, 'screenshot'>, scenario: string): string {
  return `${o.screenshot.replace(/\.png$/i, '')}-${scenario}.png`;
}

export const USAGE = `usage: npm run report:check -- [--results <dir>] [--report <dir>] [--scenario <name>]... [--screenshot <file.png>]
  --results     Allure results (default ${DEFAULTS.results})
  --report      generated report, rebuilt when missing or older than the results (default ${DEFAULTS.report})
  --scenario    a test to open, repeatable (default ${DEFAULTS.scenarios.join(', ')})
  --screenshot  pictures of the opened timelines, <base>-<scenario>.png (default ${DEFAULTS.screenshot})
  CHROMIUM_PATH overrides the browser (default ${DEFAULTS.chromium})`;

export { UsageError };

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ReportCheckOptions {
  const { values } = parseFlags(argv, {
    results: { type: 'string' },
    report: { type: 'string' },
    scenario: { type: 'string', multiple: true },
    screenshot: { type: 'string' },
  });
  for (const [key, value] of Object.entries(values)) for (const v of [value].flat()) if (v.trim() === '') throw new UsageError(`--${key} needs a value`);
  return {
    results: values.results ?? DEFAULTS.results,
    report: values.report ?? DEFAULTS.report,
    scenarios: values.scenario ?? DEFAULTS.scenarios,
    screenshot: values.screenshot ?? DEFAULTS.screenshot,
    chromium: env.CHROMIUM_PATH?.trim() || DEFAULTS.chromium,
  };
}
