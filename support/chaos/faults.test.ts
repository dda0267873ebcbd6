import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScenarioClock } from '../checks/history';
import { FaultLog } from './faults';

test('a fault is recorded with its window and healed once, whoever asks first', async () => {
  const log = new FaultLog(new ScenarioClock());
  let heals = 0;
  const fault = await log.inject('pause', 'n1', async () => {}, async () => void heals++, 10_000);
  assert.equal(log.lastHealedMs, undefined);
  await Promise.all([fault.heal(), fault.heal()]);
  assert.equal(heals, 1);
  assert.equal(fault.record.healedBy, 'scenario');
  assert.ok(fault.record.endMs! >= fault.record.startMs);
  assert.equal(log.lastHealedMs, fault.record.endMs);
});

test('a fault heals itself at its deadline', async () => {
  const log = new FaultLog(new ScenarioClock());
  const fault = await log.inject('kill', 'n2', async () => {}, async () => {}, 20);
  await fault.healed;
  assert.equal(fault.record.healedBy, 'deadline');
});

test('the After hook heals what is still active, and a failing heal is recorded, not thrown', async () => {
  const log = new FaultLog(new ScenarioClock());
  await log.inject('partition', 'a|b', async () => {}, async () => { throw new Error('container gone'); }, 10_000);
  const healed = await log.healAll();
  assert.equal(healed.length, 1);
  assert.equal(healed[0]!.healedBy, 'after-hook');
  assert.equal(healed[0]!.healError, 'container gone');
});
