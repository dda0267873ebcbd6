import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeMember, MEMBER_REGEXP, memberOf, parseMember } from './members';

test('every member phrase parses to its kind; quotes around an id are optional', () => {
  assert.deepEqual(parseMember('"east-1"'), { kind: 'id', id: 'east-1' });
  assert.deepEqual(parseMember('ring-3'), { kind: 'id', id: 'ring-3' });
  assert.deepEqual(parseMember('the global leader'), { kind: 'global leader' });
  assert.deepEqual(parseMember(' the previous global leader '), { kind: 'previous global leader' });
  assert.deepEqual(parseMember('the owner of shard-07'), { kind: 'owner', shard: 'shard-07' });
  assert.deepEqual(
    ['"east-1"', 'the global leader', 'the owner of shard-07'].map((p) => describeMember(parseMember(p)!)),
    ['east-1', 'the global leader', 'the owner of shard-07'],
  );
});

test('what is no member phrase is undefined; an unknown shard is an error before any cluster runs', () => {
  for (const text of ['region west', 'everyone else', 'two other nodes', 'east', '3']) assert.equal(parseMember(text), undefined, text);
  assert.throws(() => parseMember('the owner of shard-99'), /"the owner of shard-99": unknown shard shard-99; the ids are shard-\d+ … shard-\d+/);
  assert.throws(() => memberOf('the moon', 'schedule row 3'), /schedule row 3: "the moon" names no node; use a node id/);
});

test('the {member} regexp matches each phrase whole, as cucumber-expressions will', () => {
  const whole = new RegExp(`^(?:${MEMBER_REGEXP.source})$`);
  for (const p of ['"east-1"', 'the global leader', 'the previous global leader', 'the owner of shard-07']) assert.match(p, whole);
  for (const p of ['east-1', 'the leader', '"east"']) assert.doesNotMatch(p, whole);
});
