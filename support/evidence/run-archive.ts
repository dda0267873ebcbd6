// One archive per run: the Allure results (with every attachment: topologies, views, histories,
// timelines, node logs), the Cucumber JSON and JUnit reports and the run's metadata, as a .tar.gz.
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { RESULTS_DIR } from './run-metadata';

export const ARCHIVE_DIR = 'reports/archive';
export const RUN_METADATA = 'reports/run-metadata.json';
const CONTENTS = [RUN_METADATA, 'reports/cucumber-messages.ndjson', 'reports/junit.xml', 'reports/rerun.txt', RESULTS_DIR];
const KEEP = 10;

async function filesUnder(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return [];
  if (info.isFile()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Writes reports/archive/<name>.tar.gz and keeps the newest ten archives. Returns its path. */
export async function archiveRun(name: string): Promise<{ path: string; files: number }> {
  await mkdir(ARCHIVE_DIR, { recursive: true });
  const path = join(ARCHIVE_DIR, `${name}.tar.gz`);
  const files = (await Promise.all(CONTENTS.map(filesUnder))).flat();
  const tar = tarPack();
  const written = pipeline(tar, createGzip(), createWriteStream(path));
  for (const file of files) {
    tar.entry({ name: `${name}/${relative('reports', file)}` }, await readFile(file));
  }
  tar.finalize();
  await written;
  const archives = (await readdir(ARCHIVE_DIR)).filter((f) => f.endsWith('.tar.gz')).sort();
  for (const old of archives.slice(0, Math.max(0, archives.length - KEEP))) await rm(join(ARCHIVE_DIR, old), { force: true });
  return { path, files: files.length };
}
