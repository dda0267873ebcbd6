import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meterFor, processStartSeconds, RelayMetrics } from './metrics';

test('the leadership metrics render in Prometheus text, the histogram with cumulative buckets', async () => {
  const metrics = new RelayMetrics();
  const labels = { mesh_scope: 'global-control', mesh_scope_kind: 'global' };
  metrics.leadershipElectionDuration.observe(labels, 80);
  metrics.leadershipElectionDuration.observe(labels, 4000);
  metrics.leadershipSplitBrain.inc(labels, 0);
  const text = await metrics.registry.render();
  assert.match(text, /# TYPE mesh_leadership_election_duration_ms histogram/);
  assert.match(text, /mesh_leadership_election_duration_ms_bucket\{mesh_scope="global-control",mesh_scope_kind="global",le="50"\} 0/);
  assert.match(text, /mesh_leadership_election_duration_ms_bucket\{mesh_scope="global-control",mesh_scope_kind="global",le="100"\} 1/);
  assert.match(text, /mesh_leadership_election_duration_ms_bucket\{mesh_scope="global-control",mesh_scope_kind="global",le="5000"\} 2/);
  assert.match(text, /mesh_leadership_election_duration_ms_bucket\{mesh_scope="global-control",mesh_scope_kind="global",le="\+Inf"\} 2/);
  assert.match(text, /mesh_leadership_election_duration_ms_sum\{mesh_scope="global-control",mesh_scope_kind="global"\} 4080/);
  assert.match(text, /mesh_leadership_election_duration_ms_count\{mesh_scope="global-control",mesh_scope_kind="global"\} 2/);
  assert.match(
    text,
    /# TYPE mesh_leadership_split_brain_total counter\nmesh_leadership_split_brain_total\{mesh_scope="global-control",mesh_scope_kind="global"\} 0/,
  );
});

test('gauges report what was last set: replace drops series, counters keep counting across scrapes', async () => {
  const metrics = new RelayMetrics();
  metrics.gossipMembers.replace([
    [{ mesh_status: 'Alive' }, 3],
    [{ mesh_status: 'Suspect' }, 1],
  ]);
  metrics.gossipMessages.inc({ mesh_direction: 'inbound', mesh_outcome: 'success' });
  let text = await metrics.registry.render();
  assert.match(text, /# TYPE mesh_gossip_members gauge\nmesh_gossip_members\{mesh_status="Alive"\} 3\nmesh_gossip_members\{mesh_status="Suspect"\} 1/);
  metrics.gossipMembers.replace([[{ mesh_status: 'Alive' }, 4]]);
  metrics.gossipMessages.inc({ mesh_direction: 'inbound', mesh_outcome: 'success' }, 2);
  text = await metrics.registry.render();
  assert.match(text, /mesh_gossip_members\{mesh_status="Alive"\} 4/);
  assert.doesNotMatch(text, /mesh_status="Suspect"/);
  assert.match(text, /# TYPE mesh_gossip_messages_total counter\nmesh_gossip_messages_total\{mesh_direction="inbound",mesh_outcome="success"\} 3/);
});

test('process_start_time_seconds is the given start, and the resource is exposed as target_info', async () => {
  const metrics = new RelayMetrics({ startTimeSeconds: 1700000000.5, resource: { 'service.instance.id': 'east-1', 'mesh.region': 'east' } });
  const text = await metrics.registry.render();
  assert.match(text, /# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1700000000.5\n/);
  assert.match(text, /target_info\{service_name="relay-node",service_instance_id="east-1",mesh_region="east",/);
  assert.doesNotMatch(text, /otel_scope_name/, "no scope labels: label keys are the instruments' own");
  const real = await new RelayMetrics().registry.render();
  const started = Number(/^process_start_time_seconds (\S+)$/m.exec(real)?.[1]);
  assert.ok(Math.abs(started - processStartSeconds()) < 0.001 && started <= Date.now() / 1000, `${started}`);
});

test("metrics land on the contract's meters by name", () => {
  assert.equal(meterFor('mesh_leadership_transitions_total'), 'OmniRelay.Core.Leadership');
  assert.equal(meterFor('mesh_gossip_members'), 'OmniRelay.Core.Gossip');
  assert.equal(meterFor('mesh_shard_moves_total'), 'OmniRelay.Mesh.Shards');
  assert.equal(meterFor('omnirelay_http_requests_started_total'), 'OmniRelay.Transport.Http');
});
