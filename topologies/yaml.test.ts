import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  FAST_TIMERS,
  globalLeaderWithTwoRegions,
  loadTopologyFile,
  parseTopologyYaml,
  TOPOLOGY_DIR,
  topologyByName,
  TopologyError,
  TopologyFileError,
  topologyNames,
  type TopologySources,
} from './index';

const FIXTURES = join(TOPOLOGY_DIR, 'fixtures');
const fixture = (name: string) => join(FIXTURES, `${name}.yaml`);

/** Asserts that loading `name` fails with exactly these `line:col path: message` problems (message by regex). */
function assertProblems(load: () => unknown, expected: Array<[line: number, col: number, path: string, message: RegExp]>) {
  assert.throws(load, (e: unknown) => {
    assert.ok(e instanceof TopologyFileError, `expected a TopologyFileError, got ${String(e)}`);
    assert.equal(e.problems.length, expected.length, e.message);
    expected.forEach(([line, col, path, message], i) => {
      const p = e.problems[i]!;
      assert.deepEqual([p.line, p.col, p.path], [line, col, path], e.message);
      assert.match(p.message, message);
    });
    return true;
  });
}

test("a topology file loads with the builders' defaults for what it leaves out", () => {
  const t = loadTopologyFile(fixture('TwoRegionsFromFile'));
  assert.equal(t.name, 'TwoRegionsFromFile');
  assert.equal(t.clusterId, 'two-regions-from-file');
  assert.deepEqual(t.regions, ['global', 'east', 'west']);
  assert.deepEqual(
    t.nodes.map((n) => [n.id, n.role, n.mode, n.eligible.join(',')]),
    [
      ['global-1', 'global', 'InProc', 'global-control'],
      ['edge-east-1', 'edge', 'Edge', ''],
      ['east-1', 'regional', 'InProc', 'region/east'],
      ['east-2', 'replica', 'Sidecar', ''],
      ['west-1', 'regional', 'InProc', 'region/west'],
    ],
  );
  assert.deepEqual(t.timers, { ...FAST_TIMERS, leaseTtlMs: 4000 });
  assert.deepEqual(t.links, [
    { from: 'clients', to: 'east', through: 'proxy', bidirectional: false },
    { from: 'east', to: 'west', through: 'proxy', bidirectional: true },
  ]);
});

test("a file describing a builder's shape yields the same topology", () => {
  const built = globalLeaderWithTwoRegions().build();
  const nodes = built.nodes.map((n) => `  - { id: ${n.id}, region: ${n.region}, role: ${n.role}, eligible: [${n.eligible.join(', ')}] }`);
  const yaml = [
    'name: GlobalLeaderWithTwoRegions',
    'regions: [global, east, west]',
    'nodes:',
    ...nodes,
    'etcd:',
    ...built.etcd.map((m) => `  - { id: ${m.id}, region: ${m.region} }`),
    'links:',
    '  - { from: clients, to: east, through: proxy }',
    '  - { from: clients, to: west, through: proxy }',
    '  - { from: east, to: west, through: proxy, bidirectional: true }',
  ].join('\n');
  assert.deepEqual(parseTopologyYaml(yaml, 'inline.yaml', 'GlobalLeaderWithTwoRegions'), built);
});

test('unknown region: file, line:col of the value, field path and the declared regions', () => {
  assert.throws(
    () => loadTopologyFile(fixture('UnknownRegion')),
    (e: Error) => e.message.includes('topologies/fixtures/UnknownRegion.yaml:9:13 nodes.1.region: unknown region "north"; declared: east, west'),
  );
});

test('wrong type', () => {
  assertProblems(() => loadTopologyFile(fixture('WrongType')), [[8, 17, 'timers.gossipFanout', /^expected a number, got string "three"$/]]);
  assertProblems(
    () => parseTopologyYaml('name: Xy\nregions: east\nnodes: []\netcd:\n  - {id: etcd-1, region: east}\n', 'X.yaml'),
    [
      [2, 10, 'regions', /^expected a list, got string "east"$/],
      [3, 8, 'nodes', /^needs at least 1 item$/],
    ],
  );
  assertProblems(
    () =>
      parseTopologyYaml(
        'name: Xy\nregions: [east]\nnodes:\n  - {id: east-1, region: east, role: leader}\netcd: [{id: etcd-1, region: east}]\ntimers: {leaseTtlMs: 2500.5}\n',
        'X.yaml',
      ),
    [
      [4, 38, 'nodes.0.role', /^"leader" is not one of: global, regional, replica, edge$/],
      [6, 22, 'timers.leaseTtlMs', /^expected a whole number/],
    ],
  );
});

test('unknown field: reported at the key, with a suggestion and the allowed fields', () => {
  assertProblems(
    () => loadTopologyFile(fixture('UnknownField')),
    [[7, 5, 'nodes.0.eligble', /^unknown field "eligble"; did you mean "eligible"\? allowed here: id, region, role, mode, eligible$/]],
  );
  assertProblems(
    () =>
      parseTopologyYaml(
        'name: Xy\nregions: [east]\nnodes: [{id: east-1, region: east, role: replica}]\netcd: [{id: etcd-1, region: east}]\ntimers:\n  heartbeat: 5\n',
        'X.yaml',
      ),
    [[6, 3, 'timers.heartbeat', /^unknown field "heartbeat"; allowed here: leaseTtlMs, /]],
  );
});

test('missing required field: reported at the mapping that lacks it', () => {
  assertProblems(
    () => loadTopologyFile(fixture('MissingField')),
    [[4, 5, 'nodes.0.role', /^missing required field \(one of: global, regional, replica, edge\)$/]],
  );
  assertProblems(
    () => parseTopologyYaml('# no etcd\nname: Xy\nregions: [east]\nnodes: [{id: east-1, region: east, role: replica}]\n', 'X.yaml'),
    [[2, 1, 'etcd', /^missing required field \(a list\)$/]],
  );
});

test('YAML syntax errors give file:line:col', () => {
  assert.throws(
    () => loadTopologyFile(fixture('SyntaxError')),
    (e: Error) => {
      assert.ok(e instanceof TopologyFileError);
      assert.match(e.message, /topologies\/fixtures\/SyntaxError\.yaml:3:1 YAML syntax error: Flow sequence/);
      return true;
    },
  );
  assertProblems(() => parseTopologyYaml('name: Xy\nname: Y\n', 'X.yaml'), [[2, 1, '', /^YAML syntax error: Map keys must be unique/]]);
  assert.throws(
    () => parseTopologyYaml('name: Xy\n  regions: [east]\n', 'X.yaml'),
    (e: Error) => e instanceof TopologyFileError && e.problems[0]!.line === 1 && /^YAML syntax error: /.test(e.problems[0]!.message),
  );
});

test("the name must equal the file's base name", () => {
  assertProblems(
    () => loadTopologyFile(fixture('NameMismatch')),
    [[1, 7, 'name', /^"SomethingElse" must equal the file's base name "NameMismatch" \(rename the file or the topology\)$/]],
  );
});

test('a clusterId derived from the name is explained at the name', () => {
  assertProblems(
    () => parseTopologyYaml('name: X\nregions: [east]\nnodes: [{id: east-1, region: east, role: replica}]\netcd: [{id: etcd-1, region: east}]\n', 'X.yaml'),
    [[1, 7, 'clusterId', /^"x" \(derived from name "X"\) must be a lowercase DNS label .*; set clusterId explicitly$/]],
  );
});

test('a non-mapping document and a missing file are clear errors', () => {
  assertProblems(() => parseTopologyYaml('', 'Empty.yaml'), [[1, 1, '(root)', /^expected a mapping, got null$/]]);
  assertProblems(() => parseTopologyYaml('- a\n- b\n', 'List.yaml'), [[1, 1, '(root)', /^expected a mapping, got a list$/]]);
  assert.throws(
    () => loadTopologyFile(fixture('DoesNotExist')),
    (e: Error) => e instanceof TopologyError && /DoesNotExist\.yaml cannot be read/.test(e.message),
  );
});

test('links are validated in files too, each problem at its line', () => {
  assertProblems(
    () => loadTopologyFile(fixture('BadLinks')),
    [
      [10, 26, 'links.1.to', /^unknown region "north"; declared: east, west$/],
      [12, 5, 'links.3', /^duplicate link: west → east is already declared by links\.2$/],
      [13, 5, 'links.4', /^duplicate link: clients → east is already declared by links\.0$/],
      [14, 23, 'links.5.to', /^"clients" can only be a link's "from"$/],
    ],
  );
});

test('every problem of a file is listed, in file order', () => {
  const yaml = [
    'name: Many',
    'regions: [east]',
    'nodes:',
    '  - {id: east-1, region: west, role: edge, mode: InProc}',
    'etcd:',
    '  - {id: etcd-1, region: east}',
    '  - {id: etcd-2, region: east}',
  ].join('\n');
  assertProblems(
    () => parseTopologyYaml(yaml, 'Many.yaml', 'Many'),
    [
      [4, 26, 'nodes.0.region', /unknown region "west"/],
      [4, 50, 'nodes.0.mode', /role "edge" runs in mode "Edge"/],
      [6, 3, 'etcd', /odd number/],
    ],
  );
});

// ---- the registry: builders first, then topologies/<Name>.yaml ----

const sources = (dir: string): TopologySources => ({ builders: { GlobalLeaderWithTwoRegions: globalLeaderWithTwoRegions }, dir });

test('topologyByName finds files next to builders, and lists both', () => {
  const only = { ...sources(join(FIXTURES, 'registry')), builders: {} };
  assert.equal(topologyByName('FileOnly', only).name, 'FileOnly');
  assert.deepEqual(topologyNames(only), ['FileOnly', 'GlobalLeaderWithTwoRegions']);
  assert.deepEqual(topologyNames(sources(join(FIXTURES, 'registry'))), ['FileOnly', 'GlobalLeaderWithTwoRegions']);
});

test('a name defined both as builder and as file is an error naming both', () => {
  assert.throws(
    () => topologyByName('GlobalLeaderWithTwoRegions', sources(join(FIXTURES, 'registry'))),
    (e: Error) =>
      e instanceof TopologyError &&
      /Topology "GlobalLeaderWithTwoRegions" is defined twice: by a builder registered in topologies\/index\.ts and by the file .*registry\/GlobalLeaderWithTwoRegions\.yaml/.test(
        e.message,
      ),
  );
});

test('an unknown name lists builders and files alike, and hints at .yml', () => {
  assert.throws(
    () => topologyByName('Nope', sources(join(FIXTURES, 'registry'))),
    /Unknown topology "Nope"\. Known topologies: FileOnly, GlobalLeaderWithTwoRegions\./,
  );
  assert.throws(() => topologyByName('Ignored', sources(join(FIXTURES, 'registry'))), /Ignored\.yml is not read: topology files end in \.yaml/);
});

test('the real registry: fixtures are not topologies, and every known topology is valid', () => {
  assert.ok(!topologyNames().includes('TwoRegionsFromFile'));
  assert.ok(!topologyNames().includes('FileOnly'));
  for (const name of topologyNames()) assert.equal(topologyByName(name).name, name);
});
