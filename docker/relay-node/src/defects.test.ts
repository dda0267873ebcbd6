import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { DEFECT_NAMES, DEFECTS, isDefectName, parseDefects } from './defects';

const LEADERSHIP_DEFECTS = [
  'slow-campaign',
  'no-release-on-shutdown',
  'term-reuse',
  'campaign-once',
  'no-step-down',
  'leader-without-quorum',
  'sequence-cached',
  'promotion-unfenced',
];

test('the leadership defects are registered, each with a one-line description', () => {
  for (const name of LEADERSHIP_DEFECTS) {
    assert.ok(isDefectName(name), name);
    const description: string = DEFECTS[name as keyof typeof DEFECTS];
    assert.ok(description.length > 20 && !description.includes('\n'), name);
  }
  assert.equal(new Set(DEFECT_NAMES).size, DEFECT_NAMES.length);
});

test('defect lists parse with spaces and duplicates; unknown names are refused with the known ones', () => {
  assert.deepEqual([...parseDefects(' term-reuse, campaign-once ,term-reuse')], ['term-reuse', 'campaign-once']);
  assert.equal(parseDefects(undefined).size, 0);
  assert.equal(parseDefects(',,').size, 0);
  assert.throws(
    () => parseDefects('term-reuse,terms-reuse'),
    (e: Error) => /terms-reuse/.test(e.message) && LEADERSHIP_DEFECTS.every((n) => e.message.includes(n)),
  );
});

test("every seeded defect has one line in the registry and one row in the README's table, and no row is unregistered", () => {
  for (const name of DEFECT_NAMES) assert.ok(DEFECTS[name].length > 20 && !DEFECTS[name].includes('\n'), name);
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('## Seeded defects'), readme.indexOf('## Metrics'));
  const rows = [...table.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]!);
  assert.deepEqual([...rows].sort(), [...DEFECT_NAMES].sort());
});

test('every seeded defect is passed one way and acted on: some module asks `defects.has(<name>)`', () => {
  const sources = readdirSync(new URL('.', import.meta.url), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'defects.ts')
    .map((f) => readFileSync(new URL(f, import.meta.url), 'utf8'))
    .join('\n');
  const asked = new Set([...sources.matchAll(/\bhas\('([a-z0-9-]+)'\)/g)].map((m) => m[1]!));
  assert.deepEqual(
    DEFECT_NAMES.filter((name) => !asked.has(name)),
    [],
    'defects no module asks for',
  );
  assert.deepEqual(
    [...asked].filter((name) => !isDefectName(name)),
    [],
    'names asked for that are not defects',
  );
});
