import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PHASES, type Phase } from '../../evidence/phases';
import { baselineOf, figuresOf, parseBaseline } from './baseline';
import { compare, judge, machineWarning, MS_FLOOR, renderComparison, THRESHOLD_PCT, worse } from './compare';
import { classify, tableEntries } from './figure-rules';
import { figure, parseFigures, printedFigures, type Figure } from './figures';
import { phaseFigures } from './phases';
import { SKEW_DRIFTS, slowPercent } from './skew';
import { SUITE_LABELS } from './suite';

const f = (name: string, value: number | string, unit = 'x'): Figure => ({ name, value, unit });

// ---- every figure the bench can print has a rule ----

const BENCH = join(import.meta.dirname, '..', 'bench.ts');
const SECTION_FILES = readdirSync(import.meta.dirname)
  .filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && n !== 'figures.ts')
  .map((n) => join(import.meta.dirname, n));
const SOURCES = [BENCH, ...SECTION_FILES].map((file) => ({ file, text: readFileSync(file, 'utf8') }));

/** What each `${…}` in a figure name can be, so that the test can spell out every name it makes. */
const TEMPLATE_VALUES: Record<string, readonly string[]> = {
  'f.bigKeys': ['10000'], // entitiesFigures' default; the bench passes no other
  'r.label': SUITE_LABELS,
  'slowPercent(f.drift)': SKEW_DRIFTS.map(slowPercent),
};

/** Every figure name the bench's sources print. */
function printedNames(): string[] {
  const names: string[] = [];
  for (const { file, text } of SOURCES) {
    for (const call of text.matchAll(/\bfigure\(\s*(?:'([^']*)'|`([^`]*)`|([^,)]*))/g)) {
      if (call[1] !== undefined) names.push(call[1]);
      else if (call[2] !== undefined) names.push(...expand(call[2], file));
      else {
        // A name in a variable: only the phases loop, whose names phaseFigures spells out below.
        const line = text.slice(text.lastIndexOf('\n', call.index) + 1, text.indexOf('\n', call.index));
        assert.match(line, /phaseFigures\(/, `${file}: figure(${call[3]}, …) names its figure in a variable this test cannot read: use a literal`);
      }
    }
  }
  const ms = Object.fromEntries(PHASES.map((p) => [p, 1])) as Record<Phase, number>;
  names.push(...phaseFigures({ scenarios: [{ name: 's', status: 'passed', ms }], beforeAllMs: 1, afterAllMs: 1, wallMs: 1 }).map(([name]) => name));
  return names;
}

function expand(template: string, file: string): string[] {
  const hole = /\$\{([^}]*)\}/.exec(template);
  if (!hole) return [template];
  const values = TEMPLATE_VALUES[hole[1]!];
  assert.ok(values, `${file}: figure name \`${template}\`: add what \${${hole[1]}} can be to TEMPLATE_VALUES in this test`);
  return values.flatMap((v) => expand(template.replace(hole[0], v), file));
}

test('the bench prints through figure() only, so that every line is recorded and seen by this test', () => {
  for (const { file, text } of SOURCES) assert.doesNotMatch(text, /console\.log|process\.stdout/, `${file} prints past figure()`);
});

test('every figure name in the bench sources has a rule in figure-rules.ts', () => {
  const names = printedNames();
  assert.ok(names.length > 100, `found only ${names.length} names: has the scan stopped matching?`);
  const unruled = names.filter((n) => !classify(n));
  assert.deepEqual(unruled, [], 'figures without a rule: add each to bench/figure-rules.ts');
});

test('every rule in figure-rules.ts matches a figure the bench prints (none outlived its figure)', () => {
  const names = printedNames();
  const stale = tableEntries().filter(([, p]) => !names.some((n) => (typeof p === 'string' ? p === n : p.test(n))));
  assert.deepEqual(stale, []);
});

test('the rules: ratios and medians judged, tails, single events and configuration not', () => {
  const kind = (n: string) => classify(n)?.rule.kind;
  assert.equal(kind('fixture_to_bare_docker_round_ratio_median'), 'lower');
  assert.equal(kind('failover_with_promotion_to_lease_ratio'), 'lower');
  assert.equal(kind('handover_ms_p50'), 'lower');
  assert.equal(kind('proxy_throughput_ratio'), 'higher');
  assert.equal(kind('overload_goodput_at_150pct_rps'), 'higher');
  assert.equal(kind('load_driver_p99_ms'), 'info');
  assert.equal(kind('handover_ms_max'), 'info');
  assert.equal(kind('workflows_resume_after_owner_kill_ms'), 'info');
  assert.equal(kind('bench_rounds'), 'setting');
  assert.equal(kind('steady_calls_not_ok'), 'failures');
  assert.equal(classify('entities_get_p99_10000_keys_ms')?.section, 'entities');
  assert.equal(classify('no_such_figure'), undefined);
});

// ---- the figure lines ----

test('figure() prints `name value unit (note)` and records the figure', () => {
  const log = mock.method(console, 'log', () => undefined);
  try {
    figure('x_ratio', '1.50', 'x');
    figure('x_skipped', 1, '-', 'no nsenter');
    figure('x_wait_ms', 'n/a', 'ms');
  } finally {
    log.mock.restore();
  }
  assert.deepEqual(
    log.mock.calls.map((c) => c.arguments[0]),
    ['x_ratio 1.50 x', 'x_skipped 1 - (no nsenter)', 'x_wait_ms n/a ms'],
  );
  assert.deepEqual(printedFigures().slice(-3), [f('x_ratio', 1.5), { ...f('x_skipped', 1, '-'), note: 'no nsenter' }, f('x_wait_ms', 'n/a', 'ms')]);
});

test('parseFigures reads the figure lines of a stdout or a log and ignores the rest', () => {
  const text = [
    '[bench] round 1/3: fixture ready in 4362 ms',
    'topology_ready_fixture_ms 4362 ms',
    'proxy_flavour fault-proxy -',
    'npm run bench',
    '2024-05-01T10:00:00.1234567Z load_driver_rps 812 req/s',
    'netfaults_host_skipped 1 - (this host cannot nsenter (no root))',
    'proxy_added_p50_ms -0.50 ms',
    '',
  ].join('\r\n');
  assert.deepEqual(parseFigures(text), [
    f('topology_ready_fixture_ms', 4362, 'ms'),
    f('proxy_flavour', 'fault-proxy', '-'),
    f('load_driver_rps', 812, 'req/s'),
    { ...f('netfaults_host_skipped', 1, '-'), note: 'this host cannot nsenter (no root)' },
    f('proxy_added_p50_ms', -0.5, 'ms'),
  ]);
});

// ---- the comparison ----

const BASE = [
  f('fixture_to_bare_docker_ratio', 1.2),
  f('proxy_throughput_ratio', 0.9),
  f('handover_ms_p50', 300, 'ms'),
  f('load_driver_p99_ms', 40, 'ms'),
  f('bench_rounds', 3, 'rounds'),
  f('steady_calls_not_ok', 0, 'calls'),
  f('overload_saturation_to_first_throttle_in_other_region_ms', 900, 'ms'),
];

test('a run against itself: nothing worse', () => {
  const c = compare(BASE, BASE);
  assert.deepEqual(worse(c), []);
  assert.deepEqual(c.notNow, []);
  assert.match(renderComparison(c, 'b.json').at(-1)!, /^bench: no judged figure is 20 % or more worse than b\.json \(4 judged; /);
});

test('25 % worse in the bad direction fails; the same move the good way is better; under the threshold is ok', () => {
  assert.equal(judge('fixture_to_bare_docker_ratio', f('', 1.2), f('', 1.5)).verdict, 'worse'); // +25 %, lower is better
  assert.equal(judge('fixture_to_bare_docker_ratio', f('', 1.2), f('', 0.9)).verdict, 'better');
  assert.equal(judge('fixture_to_bare_docker_ratio', f('', 1.0), f('', 1.2)).verdict, 'worse', 'exactly the threshold counts');
  assert.equal(judge('fixture_to_bare_docker_ratio', f('', 1.0), f('', 1.19)).verdict, 'ok');
  assert.equal(judge('proxy_throughput_ratio', f('', 0.8), f('', 0.6)).verdict, 'worse'); // −25 %, higher is better
  assert.equal(judge('proxy_throughput_ratio', f('', 0.8), f('', 1.0)).verdict, 'better');
  const c = compare(
    BASE,
    BASE.map((x) => (x.name === 'handover_ms_p50' ? { ...x, value: 375 } : x)),
  );
  assert.deepEqual(
    worse(c).map((r) => [r.name, r.changePct]),
    [['handover_ms_p50', 25]],
  );
  assert.equal(renderComparison(c, 'b.json').at(-1), 'bench: 1 judged figure is worse than b.json (threshold 20 %): handover_ms_p50 (+25.0 %)');
});

test('--threshold moves the line', () => {
  assert.equal(judge('handover_ms_p50', f('', 300, 'ms'), f('', 375, 'ms'), 30).verdict, 'ok');
  assert.equal(judge('handover_ms_p50', f('', 300, 'ms'), f('', 375, 'ms'), 25).verdict, 'worse');
  assert.equal(THRESHOLD_PCT, 20);
});

test('a move of a few ms is one tick of the clock, not a regression', () => {
  assert.equal(judge('handover_ms_p50', f('', 4, 'ms'), f('', 4 + MS_FLOOR, 'ms')).verdict, 'ok');
  assert.equal(judge('handover_ms_p50', f('', 4, 'ms'), f('', 5 + MS_FLOOR, 'ms')).verdict, 'worse');
});

test('tails, single events and non-numbers are shown, not judged', () => {
  assert.deepEqual(judge('load_driver_p99_ms', f('', 40, 'ms'), f('', 400, 'ms')), { changePct: 900, verdict: 'info', why: 'tail' });
  assert.equal(judge('overload_saturation_to_first_throttle_in_other_region_ms', f('', 900, 'ms'), f('', 'never', 'ms')).verdict, 'info');
  assert.deepEqual(judge('handover_ms_p50', f('', 300, 'ms'), f('', 'n/a', 'ms')), { verdict: 'info', why: 'not a number' });
  assert.equal(judge('handover_ms_p50', f('', 300, 'ms'), f('', 400, 's')).verdict, 'info');
});

test('failures: worse when they appear where there were none; a count of a few has no %', () => {
  assert.deepEqual(judge('steady_calls_not_ok', f('', 0, 'calls'), f('', 1, 'calls')), { verdict: 'worse', why: 'rose from 0' });
  assert.equal(judge('steady_calls_not_ok', f('', 0, 'calls'), f('', 0, 'calls')).verdict, 'ok');
  assert.equal(judge('steady_calls_not_ok', f('', 2, 'calls'), f('', 5, 'calls')).verdict, 'info');
});

test('settings are compared for equality and a difference warns, without failing', () => {
  const c = compare(
    BASE,
    BASE.map((x) => (x.name === 'bench_rounds' ? { ...x, value: 5 } : x)),
  );
  assert.deepEqual(worse(c), []);
  assert.ok(renderComparison(c, 'b.json').some((l) => l.startsWith('warning: settings differ from the baseline (bench_rounds 3 → 5)')));
});

test('figures on one side only are "not measured", whole sections by name', () => {
  const phases = [f('phases_scenarios', 3, 'count'), f('phases_run_wall', 30, 's')];
  const c = compare([...BASE, ...phases], [f('proxy_throughput_ratio', 0.9), f('load_driver_rps', 800, 'req/s'), f('new_thing_ms', 1, 'ms')]);
  assert.deepEqual(worse(c), []);
  assert.equal(c.notNow.length, BASE.length - 1 + phases.length);
  const lines = renderComparison(c, 'b.json');
  // load ran in this run (load_driver_rps), so its missing figure is named; the others are whole sections.
  assert.ok(lines.includes('not measured in this run: sections startup (2), handover (2), overload (1), phases (2); load_driver_p99_ms'), lines.join('\n'));
  assert.ok(lines.includes('not in the baseline: load_driver_rps; new_thing_ms'), lines.join('\n'));
});

test('a figure without a rule is shown and warned about', () => {
  const c = compare([f('new_thing_ms', 1, 'ms')], [f('new_thing_ms', 9, 'ms')]);
  assert.equal(c.rows[0]!.verdict, 'unclassified');
  assert.deepEqual(worse(c), []);
  assert.ok(renderComparison(c, 'b.json').includes('warning: not judged, no rule in bench/figure-rules.ts: new_thing_ms'));
});

test('a baseline of another cpu count warns', () => {
  assert.equal(machineWarning({ cpus: 2 }, { cpus: 2 }, 'b.json'), undefined);
  assert.match(machineWarning({ cpus: 8 }, { cpus: 2 }, 'b.json')!, /8-cpu machine and this one has 2.*baseline-2cpu\.json/);
});

// ---- the baseline file ----

test('a baseline keeps the figures and the machine; bad files say what is wrong', () => {
  const b = baselineOf(BASE, ['startup'], { gitCommit: 'abc' });
  assert.deepEqual(figuresOf(parseBaseline(JSON.stringify(b), 'b.json')), BASE);
  assert.equal(b.machine.cpus > 0 && b.gitCommit, 'abc');
  assert.throws(() => parseBaseline('{"figures":', 'b.json'), /^InputError: b\.json: not JSON/);
  assert.throws(() => parseBaseline('[1]', 'b.json'), /b\.json: not a bench baseline \(not an object\)/);
  assert.throws(() => parseBaseline(JSON.stringify({ ...b, figures: { x: { value: 1 } } }), 'b.json'), /figure x is not \{value, unit\}/);
  assert.throws(() => parseBaseline(JSON.stringify({ figures: {} }), 'b.json'), /no machine\.cpus/);
});
