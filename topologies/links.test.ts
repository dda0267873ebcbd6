import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENTS, TopologyBuilder } from './index';

const twoRegions = () => new TopologyBuilder('Links').withRegion('east').withRegion('west').withReplica('east-1', 'east').withEtcdMember('etcd-1', 'east');

test('links default to none and keep their order', () => {
  assert.deepEqual(twoRegions().build().links, []);
  const t = twoRegions().withClientLink('west').withLink('west', 'east').withLink('east', 'west').build();
  assert.deepEqual(
    t.links.map((l) => [l.from, l.to, l.bidirectional]),
    [
      [CLIENTS, 'west', false],
      ['west', 'east', false],
      ['east', 'west', false],
    ],
  );
});

test('link ends must be declared regions, or clients as the origin', () => {
  assert.throws(() => twoRegions().withLink('north', 'east').build(), /links\.0\.from: unknown region "north"; declared: east, west \(or "clients"\)/);
  assert.throws(() => twoRegions().withLink('clients', 'north').build(), /links\.0\.to: unknown region "north"; declared: east, west/);
  assert.throws(() => twoRegions().withLink('east', 'clients').build(), /links\.0\.to: "clients" can only be a link's "from"/);
  assert.throws(() => twoRegions().withLink('east', 'east').build(), /links\.0\.to: a link joins two different places/);
  assert.throws(() => twoRegions().withLink('clients', 'east', { bidirectional: true }).build(), /links\.0\.bidirectional: a link from "clients" is one-way/);
});

test('a path may be declared only once, in either direction of a bidirectional link', () => {
  assert.throws(
    () => twoRegions().withClientLink('east').withClientLink('east').build(),
    /links\.1: duplicate link: clients → east is already declared by links\.0/,
  );
  assert.throws(
    () => twoRegions().withLink('east', 'west', { bidirectional: true }).withLink('west', 'east').build(),
    /links\.1: duplicate link: west → east is already declared by links\.0/,
  );
  assert.throws(() => twoRegions().withLink('west', 'east').withLink('east', 'west', { bidirectional: true }).build(), /links\.1: duplicate link: west → east/);
});

test('"clients" cannot be a region, and regions are declared once', () => {
  assert.throws(() => twoRegions().withRegion('clients').build(), /regions\.2: "clients" is reserved/);
  assert.throws(() => twoRegions().withRegion('east').build(), /regions\.2: duplicate region "east"/);
});
