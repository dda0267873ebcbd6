import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type MemberPressure, PressureRecorder } from './recorder';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();

function member(level: MemberPressure['level'], shards: string[], since?: string, overrides: Partial<MemberPressure> = {}): MemberPressure {
  return { nodeId: 'east-1', region: 'east', status: 'Alive', level, shards, ...(since ? { since } : {}), ...overrides };
}

test('an episode opens, grows (highest level, union of shards) and closes when the member is calm', () => {
  const recorder = new PressureRecorder();
  recorder.observe([member('ok', [])], T0);
  assert.deepEqual(recorder.recorded(), []);
  recorder.observe([member('elevated', ['s1'], at(0))], T0 + 100);
  recorder.observe([member('saturated', ['s0'], at(0))], T0 + 200);
  recorder.observe([member('elevated', ['s0'], at(0))], T0 + 300);
  recorder.observe([member('ok', [])], T0 + 400);
  assert.deepEqual(recorder.recorded(), [
    { nodeId: 'east-1', region: 'east', level: 'saturated', shards: ['s0', 's1'], since: at(0), firstSeenAt: at(100), lastSeenAt: at(300), clearedAt: at(400) },
  ]);
});

test('a new `since` is a new episode; a member that is Left or gone closes its episode; members are apart', () => {
  const recorder = new PressureRecorder();
  const west = (level: MemberPressure['level'], since?: string): MemberPressure => member(level, [], since, { nodeId: 'west-1', region: 'west' });
  recorder.observe([member('saturated', ['s0'], at(0)), west('elevated', at(0))], T0);
  recorder.observe([member('saturated', ['s0'], at(5000)), west('elevated', at(0))], T0 + 5000);
  recorder.observe([member('saturated', ['s0'], at(5000), { status: 'Left' })], T0 + 6000);
  const episodes = recorder.recorded();
  assert.deepEqual(
    episodes.map((e) => [e.nodeId, e.since, e.firstSeenAt, e.lastSeenAt, e.clearedAt]),
    [
      ['east-1', at(0), at(0), at(0), at(5000)],
      ['west-1', at(0), at(0), at(5000), at(6000)],
      ['east-1', at(5000), at(5000), at(5000), at(6000)],
    ],
  );
});
