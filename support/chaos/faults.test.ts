import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScenarioClock } from '../checks/history';
import { FaultLog } from './faults';

test('a fault is recorded with its window and healed once, whoever asks first', async () => {
  const log = new FaultLog(new ScenarioClock());
  let heals = 0;
  const fault = await log.inject('pause', { kind: 'node', node: 'n1' }, async () => {}, async () => void heals++, 10_000);
  assert.equal(log.lastHealedMs, undefined);
  await Promise.all([fault.heal(), fault.heal()]);
  assert.equal(heals, 1);
  assert.equal(fault.record.healedBy, 'scenario');
  assert.ok(fault.record.endMs! >= fault.record.startMs);
  assert.equal(log.lastHealedMs, fault.record.endMs);
});

test('a fault heals itself at its deadline', async () => {
  const log = new FaultLog(new ScenarioClock());
  const fault = await log.inject('kill', { kind: 'node', node: 'n2' }, async () => {}, async () => {}, 20);
  await fault.healed;
  assert.equal(fault.record.healedBy, 'deadline');
});

test('the After hook heals what is still active, and a failing heal is recorded, not thrown', async () => {
  const log = new FaultLog(new ScenarioClock());
  await log.inject('partition', { kind: 'groups', groups: { a: ['n1'], b: ['n2'] } }, async () => {}, async () => { throw new Error('container gone'); }, 10_000);
  const healed = await log.healAll();
  assert.equal(healed.length, 1);
  assert.equal(healed[0]!.healedBy, 'after-hook');
  assert.equal(healed[0]!.healError, 'container gone');
});

test('the subject says what a fault acts on: the label is derived, open node faults are asked by name', async () => {
  const log = new FaultLog(new ScenarioClock());
  const cut = await log.inject('partition', { kind: 'groups', groups: { isolated: ['n1'], rest: ['n2', 'n3'] } }, async () => {}, async () => {}, 10_000);
  assert.equal(cut.record.target, 'isolated: n1 | rest: n2 n3');
  assert.equal(cut.record.boundMs, 10_000);
  const pause = await log.inject('pause', { kind: 'node', node: 'n2' }, async () => {}, async () => {}, 10_000);
  await log.inject('drain', { kind: 'node', node: 'n3' }, async () => {}, async () => {}, 10_000);
  assert.deepEqual([...log.openOnNodes(new Set(['crash', 'pause']))], ['n2']);
  await pause.heal();
  assert.deepEqual([...log.openOnNodes(new Set(['crash', 'pause']))], []);
  await log.healAll();
});
