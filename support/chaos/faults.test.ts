import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NEMESIS, OpHistory, ScenarioClock } from '../checks/history';
import { FaultLog } from './faults';

test('a fault is recorded with its window and healed once, whoever asks first', async () => {
  const log = new FaultLog(new OpHistory(new ScenarioClock()));
  let heals = 0;
  const fault = await log.inject(
    'pause',
    { kind: 'node', node: 'n1' },
    async () => {},
    async () => void heals++,
    10_000,
  );
  assert.equal(log.lastHealedMs, undefined);
  await Promise.all([fault.heal(), fault.heal()]);
  assert.equal(heals, 1);
  assert.equal(fault.record.healedBy, 'scenario');
  assert.ok(fault.record.endMs! >= fault.record.startMs);
  assert.equal(log.lastHealedMs, fault.record.endMs);
});

test('a fault heals itself at its deadline', async () => {
  const log = new FaultLog(new OpHistory(new ScenarioClock()));
  const fault = await log.inject(
    'kill',
    { kind: 'node', node: 'n2' },
    async () => {},
    async () => {},
    20,
  );
  await fault.healed;
  assert.equal(fault.record.healedBy, 'deadline');
});

test('the After hook heals what is still active, and a failing heal is recorded, not thrown', async () => {
  const log = new FaultLog(new OpHistory(new ScenarioClock()));
  await log.inject(
    'partition',
    { kind: 'groups', groups: { a: ['n1'], b: ['n2'] } },
    async () => {},
    async () => {
      throw new Error('container gone');
    },
    10_000,
  );
  const healed = await log.healAll();
  assert.equal(healed.length, 1);
  assert.equal(healed[0]!.healedBy, 'after-hook');
  assert.equal(healed[0]!.healError, 'container gone');
});

test('the subject says what a fault acts on: the label is derived, open node faults are asked by name', async () => {
  const log = new FaultLog(new OpHistory(new ScenarioClock()));
  const cut = await log.inject(
    'partition',
    { kind: 'groups', groups: { isolated: ['n1'], rest: ['n2', 'n3'] } },
    async () => {},
    async () => {},
    10_000,
  );
  assert.equal(cut.record.target, 'isolated: n1 | rest: n2 n3');
  assert.equal(cut.record.boundMs, 10_000);
  const pause = await log.inject(
    'pause',
    { kind: 'node', node: 'n2' },
    async () => {},
    async () => {},
    10_000,
  );
  await log.inject(
    'drain',
    { kind: 'node', node: 'n3' },
    async () => {},
    async () => {},
    10_000,
  );
  assert.deepEqual([...log.openOnNodes(new Set(['crash', 'pause']))], ['n2']);
  await pause.heal();
  assert.deepEqual([...log.openOnNodes(new Set(['crash', 'pause']))], []);
  await log.healAll();
});

test('every start and heal is a nemesis op in the history, paired by the fault id; a start that failed is one too', async () => {
  const history = new OpHistory(new ScenarioClock());
  const log = new FaultLog(history);
  const cut = await log.inject(
    'partition',
    { kind: 'groups', groups: { a: ['n1'], b: ['n2'] } },
    async () => {},
    async () => {},
    10_000,
  );
  await cut.heal();
  await assert.rejects(
    log.inject(
      'pause',
      { kind: 'node', node: 'n3' },
      async () => {
        throw new Error('no such container');
      },
      async () => {},
      10_000,
    ),
    /no such container/,
  );
  assert.deepEqual(
    history.ops.map((o) => [o.process, o.f, o.target, (o.value as { id: number }).id, o.outcome, o.error]),
    [
      [NEMESIS, 'start', 'a: n1 | b: n2', 1, 'info', undefined],
      [NEMESIS, 'stop', 'a: n1 | b: n2', 1, 'info', undefined],
      [NEMESIS, 'start', 'n3', 2, 'info', 'no such container'],
    ],
  );
  assert.equal(log.all.length, 1, 'a fault that never took effect is not in the log');
});
