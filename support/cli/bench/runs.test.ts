import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineOf, figuresOf, parseBaseline, readBaseline, runCount, writeBaseline } from './baseline';
import { compare, judge, NOISE_SHARE, renderComparison, THRESHOLD_PCT, worse } from './compare';
import type { Figure } from './figures';
import { readInputs } from './regression';
import { mergeRuns, spreadPct } from './runs';

const f = (name: string, value: number | string, unit = 'x'): Figure => ({ name, value, unit });
const run = (label: string, ...figures: Figure[]) => ({ label, figures });

test('runs merge into medians that keep every run, text kept when alike', () => {
  const merged = mergeRuns([
    run('a.txt', f('handover_ms_p50', 15, 'ms'), f('proxy_flavour', 'fault-proxy', '-')),
    run('b.txt', f('handover_ms_p50', 23, 'ms'), f('proxy_flavour', 'fault-proxy', '-')),
    run('c.txt', f('handover_ms_p50', 12, 'ms'), f('proxy_flavour', 'fault-proxy', '-')),
  ]);
  assert.deepEqual(merged, [{ ...f('handover_ms_p50', 15, 'ms'), runs: [15, 23, 12] }, f('proxy_flavour', 'fault-proxy', '-')]);
  assert.deepEqual(mergeRuns([run('a', f('x_ratio', 0.1)), run('b', f('x_ratio', 0.2))])[0]!.value, 0.15, 'an even count takes the mean of the middle two');
  assert.deepEqual(mergeRuns([run('a', f('x_ratio', 1))]), [f('x_ratio', 1)], 'one run is as it was, with no runs');
});

test('runs that measured different things are refused, naming the file and the figure', () => {
  assert.throws(
    () => mergeRuns([run('a.txt', f('x_ms', 1, 'ms'), f('y_ms', 1, 'ms')), run('b.txt', f('x_ms', 1, 'ms'))]),
    /^InputError: b\.txt lacks y_ms: merge runs of the same sections/,
  );
  assert.throws(() => mergeRuns([run('a.txt', f('x_ms', 1, 'ms')), run('b.txt', f('x_ms', 1, 's'))]), /x_ms is in ms and s across a\.txt, b\.txt/);
  assert.throws(
    () => mergeRuns([run('a.txt', f('proxy_flavour', 'toxiproxy', '-')), run('b.txt', f('proxy_flavour', 'fault-proxy', '-'))]),
    /proxy_flavour differs between the runs \(a\.txt: toxiproxy, b\.txt: fault-proxy\)/,
  );
});

test('the spread is the furthest run from the median, in %', () => {
  assert.equal(spreadPct({ ...f('x', 100), runs: [90, 100, 104] }), 10);
  assert.equal(spreadPct(f('x', 100)), undefined);
  assert.equal(spreadPct({ ...f('x', 0), runs: [0, 0, 1] }), undefined);
});

test('a judged figure noisier than half the threshold on the baseline machine is shown with its noise, not judged', () => {
  const limit = THRESHOLD_PCT * NOISE_SHARE;
  const steady = { ...f('failover_without_promotion_ms', 3244, 'ms'), runs: [3244, 3274, 3243] };
  const noisy = { ...f('load_autocannon_rps', 7799, 'req/s'), runs: [9239, 5900, 7799] };
  assert.ok(spreadPct(steady)! < limit && spreadPct(noisy)! >= limit);
  assert.equal(judge(steady.name, steady, f('', 4055, 'ms')).verdict, 'worse', 'a steady figure 25 % worse still fails');
  assert.deepEqual(judge(noisy.name, noisy, f('', 3000, 'req/s')), { changePct: -61.53353, verdict: 'noisy', why: "±24 % across the baseline's 3 runs" });
  const c = compare([steady, noisy], [f(steady.name, 3300, 'ms'), f(noisy.name, 3000, 'req/s')]);
  assert.deepEqual(worse(c), []);
  assert.equal(
    renderComparison(c, 'b.json').at(-1),
    "bench: no judged figure is 20 % or more worse than b.json (1 judged; 1 shown only, 1 of them too noisy on the baseline's machine to judge; 0 on one side only)",
  );
});

test("a baseline keeps each figure's runs; a runs field that is not numbers is refused", () => {
  const figures = [{ ...f('handover_ms_p50', 15, 'ms'), runs: [15, 23, 12] }, f('proxy_flavour', 'fault-proxy', '-')];
  const b = baselineOf(figures, ['handover', 'proxy'], { figuresFrom: ['a.txt', 'b.txt', 'c.txt'] });
  const back = parseBaseline(JSON.stringify(b), 'b.json');
  assert.deepEqual(figuresOf(back), figures);
  assert.equal(runCount(back), 3);
  assert.equal(runCount(baselineOf([f('x', 1)], [])), 1);
  assert.throws(
    () => parseBaseline(JSON.stringify({ ...b, figures: { x: { value: 1, unit: 'x', runs: [1] } } }), 'b.json'),
    /figure x: runs is not a list of two or more numbers/,
  );
});

test('a saved baseline writes each list of runs on one line and reads back the same', async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'bench-runs-')), 'b.json');
  const b = baselineOf([{ ...f('x_ratio', 0.5), runs: [0.5, -1.25, 2e-7] }], ['load'], { figuresFrom: ['a.txt', 'b.txt', 'c.txt'] });
  await writeBaseline(file, b);
  const text = await readFile(file, 'utf8');
  assert.match(text, /"runs": \[0\.5, -1\.25, 2e-7\]\n/);
  assert.match(text, /"figuresFrom": \[\n\s+"a\.txt",/, 'lists of text stay one item per line');
  assert.deepEqual(await readBaseline(file), JSON.parse(JSON.stringify(b)));
});

test('--figures given several times reads and merges the runs; a bad file is named', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-runs-'));
  const files = await Promise.all(
    [3244, 3274, 3243].map(async (ms, i) => {
      const file = join(dir, `run${i + 1}.txt`);
      await writeFile(file, `failover_without_promotion_ms ${ms} ms\nproxy_flavour fault-proxy -\n`);
      return file;
    }),
  );
  const { earlier } = await readInputs({ figures: files, thresholdPct: THRESHOLD_PCT });
  assert.deepEqual(earlier, [{ ...f('failover_without_promotion_ms', 3244, 'ms'), runs: [3244, 3274, 3243] }, f('proxy_flavour', 'fault-proxy', '-')]);
  await writeFile(join(dir, 'short.txt'), 'proxy_flavour fault-proxy -\n');
  await assert.rejects(
    readInputs({ figures: [files[0]!, join(dir, 'short.txt')], thresholdPct: THRESHOLD_PCT }),
    /^InputError: --figures .*short\.txt lacks failover_without_promotion_ms/,
  );
  await assert.rejects(readInputs({ figures: [files[0]!, join(dir, 'none.txt')], thresholdPct: THRESHOLD_PCT }), /--figures .*none\.txt: no such file/);
});
