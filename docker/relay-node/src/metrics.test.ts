import { test } from "node:test";
import assert from "node:assert/strict";
import { RelayMetrics } from "./metrics";

test("the leadership metrics render in Prometheus text, the histogram with cumulative buckets", () => {
  const metrics = new RelayMetrics();
  const labels = { mesh_scope: "global-control", mesh_scope_kind: "global" };
  metrics.leadershipElectionDuration.observe(labels, 80);
  metrics.leadershipElectionDuration.observe(labels, 4000);
  metrics.leadershipSplitBrain.inc(labels, 0);
  const text = metrics.registry.render();
  assert.match(text, /# TYPE mesh_leadership_election_duration_ms histogram/);
  assert.match(text, /mesh_leadership_election_duration_ms_bucket\{mesh_scope="global-control",mesh_scope_kind="global",le="50"\} 0/);
  assert.match(text, /mesh_leadership_election_duration_ms_bucket\{mesh_scope="global-control",mesh_scope_kind="global",le="100"\} 1/);
  assert.match(text, /mesh_leadership_election_duration_ms_bucket\{mesh_scope="global-control",mesh_scope_kind="global",le="5000"\} 2/);
  assert.match(text, /mesh_leadership_election_duration_ms_bucket\{mesh_scope="global-control",mesh_scope_kind="global",le="\+Inf"\} 2/);
  assert.match(text, /mesh_leadership_election_duration_ms_sum\{mesh_scope="global-control",mesh_scope_kind="global"\} 4080/);
  assert.match(text, /mesh_leadership_election_duration_ms_count\{mesh_scope="global-control",mesh_scope_kind="global"\} 2/);
  assert.match(text, /# TYPE mesh_leadership_split_brain_total counter\nmesh_leadership_split_brain_total\{mesh_scope="global-control",mesh_scope_kind="global"\} 0/);
});
