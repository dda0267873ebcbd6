import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CHAOS_DIR } from '../files';
import { describePlan, loadExperiment, parseExperiment } from './experiment';

test('the sample game day parses into four faults in order', () => {
  const e = loadExperiment(join(CHAOS_DIR, 'experiments/sample-game-day.yaml'));
  assert.equal(e.name, 'sample game day');
  assert.deepEqual(describePlan(e.steps), [
    '+0.0 s … +12.0 s  leader kill of global-control',
    '+14.0 s … +26.0 s  partition of region west / everyone else',
    '+28.0 s … +40.0 s  latency 300 ms ± 50 ms on region east ↔ region west',
    '+42.0 s … +52.0 s  certificate expiry of east-2',
  ]);
});

const bad = (text: string) => {
  try {
    parseExperiment(text, 'x.yaml');
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('accepted');
};

test('problems name the file, line, column and field', () => {
  assert.match(
    bad('name: x\nsteps:\n  - fault: crash\n    target: east-1\n    durration: 5 s\n'),
    /x\.yaml:5:5 steps\.0\.durration: unknown field "durration"; fields: fault, target, at, duration/,
  );
  assert.match(bad('name: x\nsteps:\n  - fault: crash\n    target: east-1\n'), /x\.yaml:3:5 steps\.0\.duration: /);
  assert.match(
    bad('name: x\nsteps:\n  - fault: crash\n    target: east-1\n    duration: 5 s\n  - fault: teleport\n    duration: 5 s\n'),
    /x\.yaml:6:5 steps\.1: unknown fault "teleport"/,
  );
  assert.match(
    bad('name: x\nsteps:\n  - fault: latency\n    target: region north ↔ west\n    duration: 5 s\n'),
    /x\.yaml:3:5 steps\.0: latency needs proxied links as target/,
  );
  assert.match(bad('steps: []\n'), /x\.yaml:1:1 name: /);
  assert.match(bad('name: x\nsteps: []\n'), /x\.yaml:2:8 steps: name at least one step/);
  assert.match(bad('name: x\nsteps:\n  - fault: crash\n  target: oops\n   duration: 1 s\n'), /x\.yaml:\d+:\d+ YAML syntax error/);
  assert.match(bad('name: x\nstepz: []\n'), /unknown field "stepz"; fields: name, description, steps/);
});
