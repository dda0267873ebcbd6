// `npm run bdd:rerun`: runs again only the scenarios that failed in the last `npm run bdd` (cucumber's
// rerun formatter writes them to reports/rerun.txt as `features/x.feature:12` lines).
import { copyFile, readFile } from 'node:fs/promises';
import { runBdd } from './bdd';
import { parseFlags, usageExit } from './flags';
import { runWhenMain } from './run';

export const RERUN_FILE = 'reports/rerun.txt';
/** Cucumber reads the list at start while this run's rerun formatter rewrites RERUN_FILE: read a copy. */
const INPUT = 'reports/rerun-input.txt';

runWhenMain(import.meta.url, async (args) => {
  usageExit('bdd:rerun', 'usage: npm run bdd:rerun   (no flags: the failed scenarios of the last npm run bdd, from reports/rerun.txt)', () =>
    parseFlags(args, {}),
  );
  const list = await readFile(RERUN_FILE, 'utf8').catch(() => undefined);
  if (list === undefined) {
    console.error(`bdd:rerun: no ${RERUN_FILE}: run the suite first (npm run bdd); it lists the scenarios that failed.`);
    return 1;
  }
  if (list.trim() === '') {
    console.log('bdd:rerun: the last run had no failed scenario; nothing to run again.');
    return 0;
  }
  await copyFile(RERUN_FILE, INPUT);
  console.log(`bdd:rerun: ${list.trim().split(/\s+/).length} feature location(s) from the last run`);
  return runBdd([`@${INPUT}`]);
});
