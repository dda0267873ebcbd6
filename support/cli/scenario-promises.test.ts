// docs/scenario-promises.md stays in step with the features: every scenario has its section, with the
// scenario's tags as they are, and at least one promise row mapped to a line of its feature file.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const doc = readFileSync(join(root, 'docs/scenario-promises.md'), 'utf8');

function scenarios(): { name: string; tags: string; file: string }[] {
  const out: { name: string; tags: string; file: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.feature')) {
        const lines = readFileSync(join(root, path), 'utf8').split('\n');
        lines.forEach((line, i) => {
          const name = /^\s*Scenario(?: Outline)?: (\S+)/.exec(line)?.[1];
          if (!name) return;
          const tags: string[] = [];
          for (let j = i - 1; j >= 0 && lines[j]!.trim().startsWith('@'); j--) tags.unshift(...lines[j]!.trim().split(/\s+/));
          out.push({ name, tags: tags.join(' '), file: path });
        });
      }
    }
  };
  walk('features');
  return out;
}

test('every scenario has a section in docs/scenario-promises.md, with its current tags and promise rows', () => {
  const all = scenarios();
  assert.ok(all.length >= 27);
  const problems = all.flatMap(({ name, tags, file }) => {
    const at = doc.indexOf(`### ${name}\n`);
    if (at < 0) return [`${name} (${file}) has no section: add one with its promises`];
    const end = doc.indexOf('\n### ', at + 1);
    const section = doc.slice(at, end < 0 ? undefined : end);
    const p: string[] = [];
    if (!section.includes(`\n\`${tags}\``)) p.push(`${name}: the tag line is not \`${tags}\``);
    if (!/\n\| [^|]+ \| \d+/.test(section)) p.push(`${name}: no promise row maps to a line of ${file}`);
    return p;
  });
  assert.deepEqual(problems, []);
});
