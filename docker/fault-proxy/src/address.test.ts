// Address parsing follows Go's net.SplitHostPort, so listen/upstream strings mean what they mean to Toxiproxy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinHostPort, resolveListen, splitHostPort } from './address';

test("splitHostPort accepts Go's forms and rejects the rest with Go's messages", () => {
  assert.deepEqual(splitHostPort('127.0.0.1:8474'), { host: '127.0.0.1', port: 8474 });
  assert.deepEqual(splitHostPort('localhost:0'), { host: 'localhost', port: 0 });
  assert.deepEqual(splitHostPort(':20001'), { host: '', port: 20001 });
  assert.deepEqual(splitHostPort('[::1]:9'), { host: '::1', port: 9 });
  assert.deepEqual(splitHostPort('redis:'), { host: 'redis', port: 0 });
  assert.throws(() => splitHostPort('nonsense'), /address nonsense: missing port in address/);
  assert.throws(() => splitHostPort('::1:9'), /too many colons/);
  assert.throws(() => splitHostPort('[::1]'), /missing port in address/);
  assert.throws(() => splitHostPort('host:http'), /invalid port/);
  assert.throws(() => splitHostPort('host:70000'), /invalid port/);
});

test('joinHostPort brackets IPv6 and resolveListen resolves names but keeps IP literals', async () => {
  assert.equal(joinHostPort('::', 1), '[::]:1');
  assert.equal(joinHostPort('10.0.0.1', 2), '10.0.0.1:2');
  assert.equal(await resolveListen('localhost:0'), '127.0.0.1:0');
  assert.equal(await resolveListen('0.0.0.0:20001'), '0.0.0.0:20001');
  assert.equal(await resolveListen(':5'), ':5');
  await assert.rejects(resolveListen('no-such-host.invalid:1'), /lookup no-such-host.invalid: no such host/);
});
