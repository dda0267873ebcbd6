// Is the generated report older than the results it comes from?
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** How many Allure test results the folder holds (files named `<uuid>-result.json`); 0 when it is missing. */
export async function countResults(results: string): Promise<number> {
  const names = await readdir(results).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('-result.json')).length;
}

/** The newest modification time (ms) of the folder itself and the files directly in it. */
export async function newestMtimeMs(dir: string): Promise<number> {
  let newest = (await stat(dir)).mtimeMs;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const { mtimeMs } = await stat(join(dir, entry.name)).catch(() => ({ mtimeMs: 0 }));
    if (mtimeMs > newest) newest = mtimeMs;
  }
  return newest;
}

export type Freshness = { readonly build: false; readonly why: string } | { readonly build: true; readonly why: string };

/** The report needs building when its index.html is missing or older than anything in the results folder. */
export async function reportFreshness(results: string, report: string): Promise<Freshness> {
  const built = await stat(join(report, 'index.html')).catch(() => undefined);
  if (!built) return { build: true, why: `${report} has no index.html` };
  const newest = await newestMtimeMs(results);
  if (newest > built.mtimeMs) return { build: true, why: `${results} changed after ${report} was built` };
  return { build: false, why: `${report} is newer than ${results}` };
}
