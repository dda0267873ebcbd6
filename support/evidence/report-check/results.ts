// What the raw Allure results say, to tell "the run never attached it" from "the report does not show it".
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface Node {
  readonly attachments?: readonly { readonly name?: string; readonly type?: string }[];
  readonly steps?: readonly Node[];
  readonly befores?: readonly Node[];
  readonly afters?: readonly Node[];
}

function* attachmentsIn(node: Node): Generator<{ name?: string; type?: string }> {
  yield* node.attachments ?? [];
  for (const child of [...(node.steps ?? []), ...(node.befores ?? []), ...(node.afters ?? [])]) yield* attachmentsIn(child);
}

/** How many attachments called `name` the test results and fixture containers in `results` record. */
export async function countAttachmentsNamed(results: string, name: string): Promise<number> {
  let count = 0;
  for (const file of await readdir(results).catch(() => [] as string[])) {
    if (!file.endsWith('-result.json') && !file.endsWith('-container.json')) continue;
    try {
      const node = JSON.parse(await readFile(join(results, file), 'utf8')) as Node;
      for (const a of attachmentsIn(node)) if (a.name === name) count++;
    } catch {
      // a half-written file of a running suite: not ours to judge here
    }
  }
  return count;
}
