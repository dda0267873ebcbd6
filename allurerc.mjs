// Allure Report 3 configuration for `npm run report`. Categories separate a product defect (an
// assertion or checker failed) from a harness or infrastructure failure; the same rules are written
// into the results folder as categories.json for Allure 2 users.
import { readFileSync } from 'node:fs';

const categories = JSON.parse(readFileSync(new URL('./support/evidence/categories.json', import.meta.url), 'utf8'));

export default {
  name: 'OmniRelay hyperscale acceptance',
  output: 'reports/allure-report',
  // Kept across runs (npm run bdd clears only the results): trends and flaky tests show over time.
  historyPath: 'reports/allure-history.jsonl',
  categories,
  // One plugin, so the report sits at the output's root (reports/allure-report/index.html).
  plugins: {
    awesome: { options: { reportName: 'OmniRelay hyperscale acceptance' } },
  },
};
