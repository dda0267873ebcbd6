import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardQueries, metricNamesIn, metricsNamedInRules } from './metric-names';

test('metric names are read from PromQL, not label names, functions, strings or keywords', () => {
  assert.deepEqual(metricNamesIn('count by (mesh_scope) (mesh_leadership_is_leader == 1) > 1'), ['mesh_leadership_is_leader']);
  assert.deepEqual(metricNamesIn('histogram_quantile(0.99, sum by (le) (rate(omnirelay_http_request_duration_ms_bucket[1m])))'), [
    'omnirelay_http_request_duration_ms_bucket',
  ]);
  assert.deepEqual(metricNamesIn('mesh_gossip_members{mesh_status="Alive", x=~"a|b"} - on(node) group_left up'), ['mesh_gossip_members', 'up']);
  assert.deepEqual(metricNamesIn('(mesh_tls_certificate_expiry_timestamp_seconds - time()) < 300'), ['mesh_tls_certificate_expiry_timestamp_seconds']);
  assert.deepEqual(metricNamesIn('a or b unless c and d offset 5m'), ['a', 'b', 'c', 'd']);
});

test('every rule and every dashboard panel has a query naming at least one metric', () => {
  assert.ok(metricsNamedInRules().includes('mesh_leadership_is_leader'));
  const queries = dashboardQueries();
  assert.ok(queries.length >= 16, `${queries.length} panel queries`);
  for (const q of queries) assert.ok(metricNamesIn(q.expr).length > 0, `${q.dashboard} / ${q.panel}: ${q.expr}`);
});
