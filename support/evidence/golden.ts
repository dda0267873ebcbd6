// Golden snapshots in seeds/golden/: an observed outcome, normalised so that what legitimately varies
// (times, fence values, which of two equivalent nodes won) is gone, compared with a committed file.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { renderDiff } from '../checks/eventually';

export const GOLDEN_DIR = join(import.meta.dirname, '../../seeds/golden');

export interface GoldenResult {
  readonly path: string;
  readonly problems: string[];
  readonly updated: boolean;
}

/** Compares `actual` with seeds/golden/<name>.json; with `update`, writes it instead (and says so). */
export async function matchGolden(name: string, actual: unknown, update: boolean): Promise<GoldenResult> {
  const path = join(GOLDEN_DIR, `${name}.json`);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (update) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    return { path, problems: [], updated: true };
  }
  if (!existsSync(path)) {
    return { path, problems: [`no golden snapshot at ${path}; review the outcome and create it with OMNIRELAY_HYPERSCALE_UPDATE_GOLDEN=true`], updated: false };
  }
  const expected: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (isDeepStrictEqual(expected, actual)) return { path, problems: [], updated: false };
  return { path, problems: [`the outcome differs from ${path}:\n${renderDiff({ expected, actual })}`], updated: false };
}
