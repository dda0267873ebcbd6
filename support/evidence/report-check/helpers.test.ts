import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countResults, reportFreshness } from './freshness';
import { DEFAULTS, parseOptions, screenshotOf, UsageError } from './options';
import { countAttachmentsNamed } from './results';

test('options: defaults, overrides, CHROMIUM_PATH, and unknown arguments', () => {
  assert.deepEqual(parseOptions([], {}), DEFAULTS);
  const o = parseOptions(['--results=/tmp/r', '--report=/tmp/out', '--scenario=Some name=with equals', '--screenshot=/tmp/s.png'], {
    CHROMIUM_PATH: '/opt/chrome',
  });
  assert.equal(o.results, '/tmp/r');
  assert.equal(o.report, '/tmp/out');
  assert.deepEqual(o.scenarios, ['Some name=with equals']);
  assert.equal(o.screenshot, '/tmp/s.png');
  assert.equal(o.chromium, '/opt/chrome');
  assert.throws(() => parseOptions(['--result=/tmp/r']), UsageError);
  assert.throws(() => parseOptions(['--scenario=']), /--scenario needs a value/);
  assert.deepEqual(parseOptions(['--scenario', 'A_B', '--scenario=C_D']).scenarios, ['A_B', 'C_D']);
  assert.equal(screenshotOf({ screenshot: 'reports/report-check.png' }, 'A_B'), 'reports/report-check-A_B.png');
  assert.throws(() => parseOptions(['stray']), /unexpected argument\(s\): stray/);
});

test('freshness: build when the report is missing or older than any result; no results counted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'report-check-'));
  try {
    const results = join(dir, 'results');
    const report = join(dir, 'report');
    assert.equal(await countResults(results), 0);
    await mkdir(results);
    await writeFile(join(results, 'a-result.json'), '{}');
    await writeFile(join(results, 'b-container.json'), '{}');
    assert.equal(await countResults(results), 1);
    assert.equal((await reportFreshness(results, report)).build, true);

    await mkdir(report);
    await writeFile(join(report, 'index.html'), '');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(results, 'a-result.json'), old, old);
    await utimes(join(results, 'b-container.json'), old, old);
    await utimes(results, old, old);
    assert.equal((await reportFreshness(results, report)).build, false);

    await writeFile(join(results, 'c-attachment.svg'), '<svg/>');
    assert.equal((await reportFreshness(results, report)).build, true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('results: counts an attachment recorded in an after-fixture step of a container, as allure-cucumberjs writes it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'report-check-'));
  try {
    const step = (name: string, type: string) => ({ name, attachments: [{ name, source: `u-attachment.${name.split('.').pop()}`, type }], start: 1, stop: 1 });
    await writeFile(
      join(dir, 'c-container.json'),
      JSON.stringify({
        name: 'evidence and teardown',
        befores: [],
        afters: [{ name: 'evidence and teardown', steps: [step('final-leaders-by-node.json', 'application/json'), step('timeline.svg', 'image/svg+xml')] }],
      }),
    );
    await writeFile(
      join(dir, 't-result.json'),
      JSON.stringify({ name: 'S', steps: [{ name: 'Given x', steps: [step('topology-X.json', 'application/json')] }] }),
    );
    await writeFile(join(dir, 'half-result.json'), '{"name":');
    assert.equal(await countAttachmentsNamed(dir, 'timeline.svg'), 1);
    assert.equal(await countAttachmentsNamed(dir, 'topology-X.json'), 1);
    assert.equal(await countAttachmentsNamed(dir, 'nothing.svg'), 0);
    assert.equal(await countAttachmentsNamed(join(dir, 'missing'), 'timeline.svg'), 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
