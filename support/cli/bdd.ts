// `npm run bdd [-- cucumber args]`: the acceptance suite, then the run's archive
// (reports/archive/<run>.tar.gz). Exits with Cucumber's own exit code.
import { readFile, rm } from 'node:fs/promises';
import { archiveRun, RUN_METADATA } from '../evidence/run-archive';
import { RESULTS_DIR } from '../evidence/run-metadata';
import { bin, run, runWhenMain } from './run';
import { MESSAGES_FILE } from './scenario-results';

/** Runs cucumber-js with `args`, archives what it left in reports/, and returns its exit code. */
export async function runBdd(args: string[]): Promise<number> {
  // The report shows this run only.
  await rm(RESULTS_DIR, { recursive: true, force: true });
  await rm(MESSAGES_FILE, { force: true });
  await rm(RUN_METADATA, { force: true });
  // Ctrl-C reaches cucumber too (same process group); it removes its containers, then we exit after it.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  const ran = await run(bin('cucumber-js'), args);
  process.off('SIGINT', ignore);
  if (ran.code !== 130) {
    // Named after the run id the Cucumber process wrote into its metadata (also on its containers' labels).
    const runId = await readFile(RUN_METADATA, 'utf8')
      .then((t) => (JSON.parse(t) as { runId: string }).runId)
      .catch(() => new Date().toISOString().replace(/\D/g, '').slice(0, 14));
    const archive = await archiveRun(`run-${runId}`).catch((e: Error) => ({ path: `(not written: ${e.message})`, files: 0 }));
    process.stderr.write(`[hyperscale] run archive: ${archive.path} (${archive.files} files)\n`);
  }
  return ran.code;
}

runWhenMain(import.meta.url, runBdd);
