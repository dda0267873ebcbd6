import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvelope, parseShuffle } from './codec';

const sender = {
  nodeId: 'b',
  role: 'replica',
  clusterId: 'omnirelay',
  region: 'east',
  meshVersion: '0.1.0',
  http3Support: false,
  endpoint: 'b:17421',
  metadataVersion: 1,
  labels: {},
};

test('a v1 envelope parses', () => {
  const parsed = parseEnvelope({
    schema: 'v1',
    timestamp: '2025-11-21T10:00:00.000Z',
    sequence: 7,
    sender,
    members: [
      { nodeId: 'b', status: 'Alive', lastSeen: '2025-11-21T10:00:00.000Z', metadata: sender },
      { nodeId: 'c', status: 'Suspect', metadata: { role: 'global' } },
    ],
  });
  assert.equal(parsed.ok, true);
  if (!parsed.ok) return;
  assert.equal(parsed.value.sender.nodeId, 'b');
  assert.equal(parsed.value.members.length, 2);
  assert.equal(parsed.value.members[1]?.metadata.nodeId, 'c', "metadata.nodeId defaults to the member's id");
  assert.equal(parsed.value.members[1]?.metadata.metadataVersion, 1);
});

test('any schema other than v1 is rejected', () => {
  for (const schema of ['v2', undefined, 1]) {
    const parsed = parseEnvelope({ schema, sender, members: [] });
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.message, /schema/);
  }
});

test('malformed senders and members are rejected with a reason', () => {
  const cases: unknown[] = [
    null,
    [],
    { schema: 'v1', members: [] },
    { schema: 'v1', sender: { role: 'x' }, members: [] },
    { schema: 'v1', sender, members: 'x' },
    { schema: 'v1', sender, members: [{ status: 'Alive', metadata: {} }] },
    { schema: 'v1', sender, members: [{ nodeId: 'c', status: 'Dead', metadata: {} }] },
    { schema: 'v1', sender, members: [{ nodeId: 'c', lastSeen: 'yesterday', metadata: {} }] },
    { schema: 'v1', sender, members: [{ nodeId: 'c', metadata: { nodeId: 'd' } }] },
    { schema: 'v1', sender, members: Array.from({ length: 33 }, (_, i) => ({ nodeId: `n${i}`, metadata: {} })) },
  ];
  for (const raw of cases) assert.equal(parseEnvelope(raw).ok, false, JSON.stringify(raw));
});

test('shuffle bodies need a sender and string endpoints', () => {
  assert.deepEqual(parseShuffle({ sender: 'b:17421', endpoints: ['c:17421'] }), { ok: true, value: { sender: 'b:17421', endpoints: ['c:17421'] } });
  assert.equal(parseShuffle({ sender: 'b:17421', endpoints: [1] }).ok, false);
  assert.equal(parseShuffle({ endpoints: [] }).ok, false);
});
