import { test } from 'node:test';
import { seeded } from './defects';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { procStartSeconds, reportedStartTime } from './process-start';

test('the first start is recorded; the real start is reported unless hidden-counter-reset is seeded', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-started-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'relay-started-at');
  assert.equal(reportedStartTime({ defects: seeded(), file, realSeconds: 1000.5 }), 1000.5);
  assert.equal(readFileSync(file, 'utf8').trim(), '1000.5', 'recorded when absent');
  // A restart (same file, later start): the truth, or with the defect the first start.
  assert.equal(reportedStartTime({ defects: seeded(), file, realSeconds: 2000 }), 2000);
  assert.equal(reportedStartTime({ defects: seeded('hidden-counter-reset'), file, realSeconds: 2000 }), 1000.5);
  assert.equal(readFileSync(file, 'utf8').trim(), '1000.5', 'never overwritten');
  // First start with the defect: nothing recorded yet, so the real start.
  const fresh = join(dir, 'fresh');
  assert.equal(reportedStartTime({ defects: seeded('hidden-counter-reset'), file: fresh, realSeconds: 3000 }), 3000);
  writeFileSync(file, 'garbage\n');
  assert.equal(reportedStartTime({ defects: seeded('hidden-counter-reset'), file, realSeconds: 4000 }), 4000, 'a malformed file is ignored');
});

/** /proc/self/stat of a process started `ticks` clock ticks after boot (a comm with spaces and parentheses). */
const selfStat = (ticks: number): string =>
  `4242 (node (relay) x) S 1 4242 4242 0 -1 4194560 1093 0 0 0 12 3 0 0 20 0 11 0 ${ticks} 1158254592 13426 18446744073709551615 1 1 0 0 0 0 0 16781312 134235650 0 0 0 17 1 0 0 0 0 0`;
const procStat = 'cpu  1 2 3\nintr 5\nctxt 9\nbtime 1767225600\nprocesses 77\n';

test("seeded defect start-time-reads-boot-time: two starts of a process report the same start, the machine's boot", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-started-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'relay-started-at');
  // Started 300 s and 420 s after boot (30000 and 42000 ticks of 10 ms).
  const starts = [
    { realSeconds: 1767225900, proc: { selfStat: selfStat(30_000), stat: procStat } },
    { realSeconds: 1767226020, proc: { selfStat: selfStat(42_000), stat: procStat } },
  ];
  assert.deepEqual(
    starts.map((s) => reportedStartTime({ defects: seeded(), file, ...s })),
    [1767225900, 1767226020],
    'the real starts',
  );
  assert.deepEqual(
    starts.map((s) => reportedStartTime({ defects: seeded('start-time-reads-boot-time'), file, ...s })),
    [1767225600, 1767225600],
    'both the boot time',
  );
  assert.equal(procStartSeconds({ selfStat: selfStat(30_000), stat: '' }), undefined, 'no btime: the real start is used');
  assert.equal(reportedStartTime({ defects: seeded('start-time-reads-boot-time'), file, realSeconds: 5, proc: { selfStat: '', stat: '' } }), 5);
});
