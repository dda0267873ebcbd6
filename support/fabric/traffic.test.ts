import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Traffic, TrafficError, listTraffic, observed } from './traffic';

const valid = {
  name: 't',
  description: 'test traffic',
  ops: [
    { procedure: 'kv::set', shardKey: 'shard-{client}', body: { key: 'k{client}', value: '{uid}', nested: ['n={n}', 7, null, { deep: '{uid}' }] } },
    { procedure: 'kv::get', body: { key: 'k{client}' }, weight: 2 },
  ],
};

test('templates are filled in the shard key and every string value of the body', () => {
  const traffic = Traffic.parse(valid, 'inline');
  assert.deepEqual(traffic.opFor(12, 345), {
    procedure: 'kv::get',
    shardKey: undefined,
    body: { key: 'k12' },
    client: 12,
    n: 345,
    uid: 'c12-n345',
    opIndex: 1,
  });
  const first = traffic.opFor(3, 1);
  assert.equal(first.shardKey, 'shard-3');
  assert.deepEqual(first.body, { key: 'k3', value: 'c3-n1', nested: ['n=1', 7, null, { deep: 'c3-n1' }] });
  assert.deepEqual(valid.ops[0]!.body.value, '{uid}', 'the file is not modified');
});

test("{seen} is the JSON value the client last saw of the body's key: whole, or as text inside a string", () => {
  const traffic = Traffic.parse(
    { name: 'cas', description: 'd', ops: [{ procedure: 'kv::cas', body: { key: 'r{client}', expect: '{seen}', value: '{uid}', note: 'was {seen}' } }] },
    'inline',
  );
  const seen = new Map([['r2', { value: { v: 'x' }, version: 4 }]]);
  assert.deepEqual(traffic.opFor(2, 1, (k) => seen.get(k)).body, { key: 'r2', expect: { v: 'x' }, value: 'c2-n1', note: 'was {"v":"x"}' });
  assert.deepEqual(traffic.opFor(3, 1, (k) => seen.get(k)).body, { key: 'r3', expect: null, value: 'c3-n1', note: 'was null' });
  assert.deepEqual(traffic.opFor(3, 1).body, { key: 'r3', expect: null, value: 'c3-n1', note: 'was null' });
});

test('{seenVersion} is the version the client last saw of the key: a number when whole, 0 before any', () => {
  const traffic = Traffic.parse(
    {
      name: 'v',
      description: 'd',
      ops: [{ procedure: 'kv::set', body: { key: 'r{client}', ifVersion: '{seenVersion}', value: '{uid}', note: 'at {seenVersion}' } }],
    },
    'inline',
  );
  const seen = new Map([['r2', { value: 'x', version: 4 }]]);
  assert.deepEqual(traffic.opFor(2, 1, (k) => seen.get(k)).body, { key: 'r2', ifVersion: 4, value: 'c2-n1', note: 'at 4' });
  assert.deepEqual(traffic.opFor(3, 1, (k) => seen.get(k)).body, { key: 'r3', ifVersion: 0, value: 'c3-n1', note: 'at 0' });
});

test('what an acknowledged kv answer says a key holds, at which version', () => {
  assert.deepEqual(observed({ procedure: 'kv::get', body: { key: 'k' } }, { key: 'k', value: 'v', version: 3 }), { key: 'k', value: 'v', version: 3 });
  assert.deepEqual(observed({ procedure: 'kv::set', body: { key: 'k', value: 'mine' } }, { key: 'k', value: 'mine', version: 1 }), {
    key: 'k',
    value: 'mine',
    version: 1,
  });
  assert.deepEqual(observed({ procedure: 'kv::cas', body: { key: 'k', expect: 'a', value: 'b' } }, { applied: false, value: 'z' }), {
    key: 'k',
    value: 'z',
    version: 0,
  });
  assert.deepEqual(observed({ procedure: 'kv::delete', body: { key: 'k' } }, { deleted: true }), { key: 'k', value: null, version: 0 });
  assert.equal(observed({ procedure: 'counter::get', body: { key: 'k' } }, { value: 1 }), undefined);
  assert.equal(observed({ procedure: 'kv::get', body: {} }, { value: 1 }), undefined);
});

test('each client cycles through the ops in order, weights repeating an op in place', () => {
  const traffic = Traffic.parse(valid, 'inline');
  assert.equal(traffic.cycleLength, 3);
  assert.deepEqual(
    Array.from({ length: 7 }, (_, i) => traffic.opFor(1, i + 1).procedure),
    ['kv::set', 'kv::get', 'kv::get', 'kv::set', 'kv::get', 'kv::get', 'kv::set'],
  );
});

test('uids are unique across clients and ops', () => {
  const traffic = Traffic.parse(valid, 'inline');
  const uids = new Set<string>();
  for (let c = 1; c <= 20; c++) for (let n = 1; n <= 50; n++) uids.add(traffic.opFor(c, n).uid);
  assert.equal(uids.size, 1000);
});

test('errors name the source and the field', () => {
  const bad = (doc: unknown) => {
    try {
      Traffic.parse(doc, 'seeds/traffic/bad.json');
    } catch (error) {
      assert.ok(error instanceof TrafficError);
      return error.message;
    }
    assert.fail('expected a TrafficError');
  };
  assert.match(bad({ description: 'x', ops: [{ procedure: 'echo', body: {} }] }), /seeds\/traffic\/bad\.json: name: required: a short name/);
  assert.match(bad({ name: 'x', description: 'x', ops: [] }), /bad\.json: ops: needs at least one op/);
  const many = bad({
    name: 'x',
    description: 'x',
    ops: [
      { procedure: 'echo', body: {} },
      { procedure: 3, weight: 0 },
    ],
    extra: true,
  });
  assert.match(many, /bad\.json: ops\[1\]\.procedure: /);
  assert.match(many, /bad\.json: ops\[1\]\.body: required: the request body/);
  assert.match(many, /bad\.json: ops\[1\]\.weight: must be at least 1/);
  assert.match(many, /bad\.json: \(top level\): Unrecognized key: "extra"/);
  assert.match(
    bad({ name: 'x', description: 'x', ops: [{ procedure: 'echo', body: { a: ['{client}', { 'b-c': '{clinet}' }] } }] }),
    /bad\.json: ops\[0\]\.body\.a\[1\]\["b-c"\]: unknown template \{clinet\}; known: \{client\}, \{n\}, \{uid\}/,
  );
  assert.match(
    bad({ name: 'x', description: 'x', ops: [{ procedure: 'echo', shardKey: 's-{shard}', body: 1 }] }),
    /ops\[0\]\.shardKey: unknown template \{shard\}/,
  );
  assert.match(
    bad({ name: 'x', description: 'x', ops: [{ procedure: 'echo\r\nX-Evil: 1', shardKey: 'a\nb', body: 1 }] }),
    /ops\[0\]\.procedure: must not contain control characters[^]*ops\[0\]\.shardKey: must not contain control characters/,
  );
});

test('load reads seeds/traffic by name or a path, and names the file when it is broken', async () => {
  const echo = await Traffic.load('echo');
  assert.equal(echo.name, 'echo');
  const dir = await mkdtemp(join(tmpdir(), 'traffic-'));
  try {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{"name": "x",');
    await assert.rejects(Traffic.load(path), (e: Error) => e instanceof TrafficError && e.message.startsWith(`${path}: not JSON`));
    await writeFile(path, JSON.stringify({ name: 'x', description: 'x', ops: [{ procedure: '', body: {} }] }));
    await assert.rejects(Traffic.load(path), new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ops\\[0\\]\\.procedure: must not be empty`));
    await assert.rejects(Traffic.load('no-such-traffic'), /no-such-traffic\.json: cannot read traffic file .*known traffic: .*echo/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('every traffic file in seeds/traffic is valid, named after its file, calling relay-node procedures on shard ids', async () => {
  const names = listTraffic();
  for (const name of ['counter-increments', 'echo', 'hot-shard', 'kv-mixed', 'set-adds']) assert.ok(names.includes(name), `${name}.json is there`);
  const procedures = new Set([
    'counter::increment',
    'counter::get',
    'counter::reset',
    'kv::set',
    'kv::get',
    'kv::delete',
    'kv::cas',
    'set::add',
    'set::read',
    'slow::call',
    'echo',
    'global::echo',
    'sequence::next',
    'entity::send_to',
  ]);
  for (const name of names) {
    const traffic = await Traffic.load(name);
    assert.equal(traffic.name, name, `${name}.json names itself`);
    for (const op of traffic.ops) assert.ok(procedures.has(op.procedure), `${name}: ${op.procedure}`);
    for (const op of traffic.ops) if (op.shardKey) assert.match(op.shardKey, /^shard-\d\d$/, `${name}: shard keys are relay-node shard ids`);
  }
  const sets = await Traffic.load('set-adds');
  assert.deepEqual(sets.opFor(4, 9), {
    procedure: 'set::add',
    shardKey: 'shard-07',
    body: { key: 's1', element: 'c4-n9' },
    client: 4,
    n: 9,
    uid: 'c4-n9',
    opIndex: 0,
  });
  const hot = await Traffic.load('hot-shard');
  assert.deepEqual(hot.opFor(17, 1).body, { key: 'hot-17', value: 'c17-n1' });
  assert.equal(hot.opFor(17, 1).shardKey, 'shard-42');
  const counter = await Traffic.load('counter-increments');
  assert.deepEqual(counter.opFor(1, 1).body, { key: 'c1', by: 1 });
  assert.equal(counter.opFor(1, 1).shardKey, 'shard-11');
});

test("every traffic file is listed in support/fabric/README.md's table of shipped files", () => {
  const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
  const listed = [...readme.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(
    listTraffic().filter((name) => !listed.includes(name)),
    [],
  );
});
