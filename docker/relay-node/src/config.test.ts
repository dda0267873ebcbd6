import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, electionJitterRange, leaseTtlSeconds, loadConfig } from './config';
import { DEFECT_NAMES, parseDefects } from './defects';
import { buildIntrospection } from './http/introspect';
import { ProcedureRegistry } from './rpc/procedures';
import { NodeState } from './state';

test('defaults apply when only the node id is given', () => {
  const config = loadConfig({ RELAY_NODE_ID: 'east-1' });
  assert.equal(config.clusterId, 'omnirelay');
  assert.equal(config.region, 'default');
  assert.equal(config.advertiseHost, 'east-1');
  assert.equal(config.httpPort, 8080);
  assert.equal(config.gossipPort, 17421);
  assert.deepEqual(config.eligibleScopes, []);
  assert.deepEqual(config.etcdEndpoints, []);
  assert.equal(config.bootstrapUrl, undefined);
  assert.deepEqual(
    [config.leaseTtlMs, config.electionIntervalMs, config.gossipIntervalMs, config.gossipFanout, config.suspicionMs, config.leftMs],
    [8000, 750, 1000, 3, 5000, 11000],
  );
  assert.equal(config.defects.size, 0);
  assert.equal(config.mode, 'InProc');
});

test('a gossip exchange may wait at least 1 s on its peer, whatever the round interval', () => {
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n' }).gossipTimeoutMs, 1000);
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n', RELAY_GOSSIP_INTERVAL_MS: '250' }).gossipTimeoutMs, 1000);
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n', RELAY_GOSSIP_INTERVAL_MS: '5000' }).gossipTimeoutMs, 5000);
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n', RELAY_GOSSIP_INTERVAL_MS: '250', RELAY_GOSSIP_TIMEOUT_MS: '400' }).gossipTimeoutMs, 400);
  assert.throws(() => loadConfig({ RELAY_NODE_ID: 'n', RELAY_GOSSIP_TIMEOUT_MS: '5' }), /RELAY_GOSSIP_TIMEOUT_MS/);
});

test('RELAY_MODE selects the deployment mode reported by introspect', () => {
  for (const mode of ['InProc', 'Sidecar', 'Edge'] as const) {
    const config = loadConfig({ RELAY_NODE_ID: 'edge-east-1', RELAY_MODE: mode });
    assert.equal(config.mode, mode);
    const introspection = buildIntrospection({
      config,
      registry: new ProcedureRegistry(),
      state: new NodeState({ enrollment: false, etcd: false, etcdStaleMs: 3000 }),
    }) as { mode: string };
    assert.equal(introspection.mode, mode);
  }
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n', RELAY_MODE: ' ' }).mode, 'InProc');
});

test("lists are parsed and the node's own seed entry is dropped", () => {
  const config = loadConfig({
    RELAY_NODE_ID: 'east-1',
    RELAY_ELIGIBLE_SCOPES: 'global-control, region/east,global-control',
    RELAY_SEED_PEERS: 'east-1@east-1:17421, west-1@west-1:17421,v6@[::1]:9',
    RELAY_ETCD_ENDPOINTS: 'http://etcd-east:2379/,http://etcd-west:2379',
    RELAY_BOOTSTRAP_URL: 'http://host.docker.internal:4000/',
    RELAY_BOOTSTRAP_TOKEN: 't',
    RELAY_DEFECT: 'gossip-silent,misroute-rpc',
  });
  assert.deepEqual(config.eligibleScopes, ['global-control', 'region/east']);
  assert.deepEqual(config.seedPeers, [
    { nodeId: 'west-1', host: 'west-1', port: 17421 },
    { nodeId: 'v6', host: '::1', port: 9 },
  ]);
  assert.deepEqual(config.etcdEndpoints, ['http://etcd-east:2379', 'http://etcd-west:2379']);
  assert.equal(config.bootstrapUrl, 'http://host.docker.internal:4000');
  assert.deepEqual([...config.defects], ['gossip-silent', 'misroute-rpc']);
});

test("bad values fail with the variable's name", () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{}, /RELAY_NODE_ID is required/],
    [{ RELAY_NODE_ID: 'a b' }, /RELAY_NODE_ID/],
    [{ RELAY_NODE_ID: 'n', RELAY_HTTP_PORT: '80a' }, /RELAY_HTTP_PORT/],
    [{ RELAY_NODE_ID: 'n', RELAY_GOSSIP_PORT: '70000' }, /RELAY_GOSSIP_PORT/],
    [{ RELAY_NODE_ID: 'n', RELAY_LEASE_TTL_MS: '-5' }, /RELAY_LEASE_TTL_MS/],
    [{ RELAY_NODE_ID: 'n', RELAY_GOSSIP_FANOUT: '0' }, /RELAY_GOSSIP_FANOUT/],
    [{ RELAY_NODE_ID: 'n', RELAY_SUSPICION_MS: '5000', RELAY_LEFT_MS: '4000' }, /RELAY_LEFT_MS/],
    [{ RELAY_NODE_ID: 'n', RELAY_SEED_PEERS: 'west-1:17421' }, /RELAY_SEED_PEERS/],
    [{ RELAY_NODE_ID: 'n', RELAY_ETCD_ENDPOINTS: 'etcd:2379' }, /RELAY_ETCD_ENDPOINTS/],
    [{ RELAY_NODE_ID: 'n', RELAY_BOOTSTRAP_URL: 'http://ca:4000' }, /RELAY_BOOTSTRAP_TOKEN/],
    [{ RELAY_NODE_ID: 'n', RELAY_ELIGIBLE_SCOPES: 'region/' }, /RELAY_ELIGIBLE_SCOPES/],
    [{ RELAY_NODE_ID: 'n', RELAY_LOG_LEVEL: 'loud' }, /RELAY_LOG_LEVEL/],
    [{ RELAY_NODE_ID: 'n', RELAY_MODE: 'edge' }, /RELAY_MODE must be InProc, Sidecar, Edge, got "edge"/],
  ];
  for (const [env, message] of cases)
    assert.throws(
      () => loadConfig(env),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
      JSON.stringify(env),
    );
});

test('unknown defects are refused with the list of known ones', () => {
  assert.throws(
    () => loadConfig({ RELAY_NODE_ID: 'n', RELAY_DEFECT: 'gossip-silent,bogus' }),
    (e: unknown) => {
      const message = (e as Error).message;
      return e instanceof ConfigError && message.includes('bogus') && DEFECT_NAMES.every((name) => message.includes(name));
    },
  );
  assert.equal(parseDefects(' ').size, 0);
});

test('lease TTLs are whole seconds, at least 2', () => {
  assert.equal(leaseTtlSeconds({ leaseTtlMs: 8000 }), 8);
  assert.equal(leaseTtlSeconds({ leaseTtlMs: 2500 }), 3);
  assert.equal(leaseTtlSeconds({ leaseTtlMs: 500 }), 2);
});

test('election jitter is 25-125 ms at 750 ms and scales down for shorter intervals', () => {
  assert.deepEqual(electionJitterRange(750), { minMs: 25, maxMs: 125 });
  assert.deepEqual(electionJitterRange(2000), { minMs: 25, maxMs: 125 });
  assert.deepEqual(electionJitterRange(150), { minMs: 5, maxMs: 25 });
});

test('the global standby defaults to the lease TTL as etcd applies it; the forward timeout to 2 s', () => {
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n' }).globalStandbyMs, 8000);
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n', RELAY_LEASE_TTL_MS: '3000' }).globalStandbyMs, 3000);
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n', RELAY_LEASE_TTL_MS: '2500' }).globalStandbyMs, 3000);
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n', RELAY_GLOBAL_STANDBY_MS: '0' }).globalStandbyMs, 0);
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n' }).forwardTimeoutMs, 2000);
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n', RELAY_FORWARD_TIMEOUT_MS: '500' }).forwardTimeoutMs, 500);
  assert.throws(() => loadConfig({ RELAY_NODE_ID: 'n', RELAY_GLOBAL_STANDBY_MS: 'soon' }), /RELAY_GLOBAL_STANDBY_MS/);
  assert.throws(() => loadConfig({ RELAY_NODE_ID: 'n', RELAY_FORWARD_TIMEOUT_MS: '10' }), /RELAY_FORWARD_TIMEOUT_MS/);
});

test('peer routes send named paths through a proxy; a bad entry names the variable', async () => {
  const { routed, installPeerRoutes } = await import('./rpc/peer-routes');
  const config = loadConfig({ RELAY_NODE_ID: 'east-1', RELAY_PEER_ROUTES: 'west-1:8080=fault-proxy:9000, west-1:17421=fault-proxy:9001' });
  installPeerRoutes(config.peerRoutes);
  try {
    assert.deepEqual(routed({ host: 'west-1', port: 8080 }), { host: 'fault-proxy', port: 9000 });
    assert.deepEqual(routed({ host: 'west-1', port: 17421 }), { host: 'fault-proxy', port: 9001 });
    assert.deepEqual(routed({ host: 'east-2', port: 8080 }), { host: 'east-2', port: 8080 }, 'unrouted paths go direct');
  } finally {
    installPeerRoutes(new Map());
  }
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n' }).peerRoutes.size, 0);
  assert.throws(
    () => loadConfig({ RELAY_NODE_ID: 'n', RELAY_PEER_ROUTES: 'west-1:8080' }),
    /RELAY_PEER_ROUTES: bad route "west-1:8080": expected host:port=via-host:port/,
  );
  assert.throws(() => loadConfig({ RELAY_NODE_ID: 'n', RELAY_PEER_ROUTES: 'west-1:8080=proxy' }), /RELAY_PEER_ROUTES/);
});

test('RELAY_OTLP_ENDPOINT is an optional base URL; anything else stops the node naming the variable', () => {
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n' }).otlpEndpoint, undefined);
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n', RELAY_OTLP_ENDPOINT: 'http://otlp-receiver:4318/' }).otlpEndpoint, 'http://otlp-receiver:4318');
  for (const bad of ['otlp-receiver:4318', 'ftp://x:4318', 'http://x:4318/?a=1', 'not a url']) {
    assert.throws(
      () => loadConfig({ RELAY_NODE_ID: 'n', RELAY_OTLP_ENDPOINT: bad }),
      (e: Error) => e instanceof ConfigError && e.message.startsWith('RELAY_OTLP_ENDPOINT'),
      bad,
    );
  }
});
