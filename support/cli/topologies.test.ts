import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { topologyNames } from '../../topologies';
import { listTopologies, renderTopology, TOPOLOGIES_DOC, topologiesDoc } from './topologies';

test('every topology is listed with each node, its region, role and eligibility, and its etcd members', () => {
  const listings = listTopologies();
  assert.deepEqual(
    listings.map((l) => l.name),
    topologyNames(),
  );
  for (const listing of listings) {
    assert.ok('topology' in listing, `${listing.name} is invalid`);
    const text = renderTopology(listing);
    for (const node of listing.topology.nodes) assert.match(text, new RegExp(`\\n    ${node.id} +${node.region} +${node.role} `));
    for (const member of listing.topology.etcd) assert.ok(text.includes(`${member.id} (${member.region})`), member.id);
  }
});

test('docs/topologies.md is what npm run topologies -- --doc prints (regenerate it when a topology changes)', () => {
  assert.equal(readFileSync(TOPOLOGIES_DOC, 'utf8'), topologiesDoc());
});
