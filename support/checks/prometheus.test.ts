import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheus, sumOf } from './prometheus';

test('samples are read with their labels, and summed by name and label subset', () => {
  const text = [
    '# HELP mesh_leadership_transitions_total Leadership transitions.',
    '# TYPE mesh_leadership_transitions_total counter',
    'mesh_leadership_transitions_total{mesh_scope="global-control",mesh_transition="promoted",mesh_leader="west-1"} 1',
    'mesh_leadership_transitions_total{mesh_scope="global-control",mesh_transition="observed",mesh_leader="global-1"} 2',
    'mesh_gossip_members{mesh_status="Alive"} 6',
    'odd{label="a \\"quoted\\" value"} 3',
  ].join('\n');
  const samples = parsePrometheus(text);
  assert.equal(samples.length, 4);
  assert.equal(sumOf(samples, 'mesh_leadership_transitions_total', { mesh_scope: 'global-control' }), 3);
  assert.equal(sumOf(samples, 'mesh_leadership_transitions_total', { mesh_transition: 'promoted', mesh_leader: 'west-1' }), 1);
  assert.equal(samples[3]!.labels.label, 'a "quoted" value');
});

test('special values and escapes: ±Inf, NaN, and \\\\, \\" and \\n in label values; braces and commas inside them', () => {
  const text = [
    'a{le="+Inf"} +Inf',
    'b -Inf',
    'c NaN 1712000000000',
    'd{v="back\\\\slash \\"q\\" line\\nnext, {x} = y"} 4',
    'not a sample',
    'e{broken="x} 1',
  ].join('\n');
  const [a, b, c, d, ...rest] = parsePrometheus(text);
  assert.deepEqual([a!.labels, a!.value, b!.value], [{ le: '+Inf' }, Infinity, -Infinity]);
  assert.ok(Number.isNaN(c!.value));
  assert.equal(d!.labels.v, 'back\\slash "q" line\nnext, {x} = y');
  assert.deepEqual(rest, [], 'lines that are not samples are skipped');
});

test('round trip through the OpenTelemetry Prometheus serializer relay-node uses', async () => {
  const { PrometheusSerializer } = await import('@opentelemetry/exporter-prometheus');
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  class Reader extends MetricReader {
    protected override async onShutdown(): Promise<void> {}
    protected override async onForceFlush(): Promise<void> {}
  }
  const reader = new Reader();
  const meter = new MeterProvider({ readers: [reader] }).getMeter('test');
  const labels = { plain: 'east-1', tricky: 'a\\b "c"\nd, {e}' };
  const values: [string, number][] = [
    ['inf', Infinity],
    ['minus_inf', -Infinity],
    ['nan', NaN],
    ['fraction', 0.25],
    ['big', 12345678901],
  ];
  for (const [name, value] of values) meter.createObservableGauge(`roundtrip_${name}`).addCallback((r) => r.observe(value, labels));
  meter.createCounter('roundtrip_calls').add(3, labels);
  const { resourceMetrics } = await reader.collect();
  const text = new PrometheusSerializer(undefined, false, undefined, false, true).serialize(resourceMetrics);
  const samples = parsePrometheus(text);
  for (const [name, value] of values) {
    const s = samples.find((x) => x.name === `roundtrip_${name}`);
    assert.ok(s, `roundtrip_${name} in:\n${text}`);
    assert.deepEqual(s.labels, labels);
    assert.ok(Object.is(s.value, value), `roundtrip_${name}: ${s.value} ≠ ${value}`);
  }
  assert.equal(sumOf(samples, 'roundtrip_calls_total', labels), 3);
});
