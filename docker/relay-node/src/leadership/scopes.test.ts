import { test } from 'node:test';
import { seeded } from '../defects';
import assert from 'node:assert/strict';
import { campaignScopes, ScopeKind, scopeKind, scopeLabels } from './scopes';

test('scope kinds follow the contract', () => {
  assert.equal(scopeKind('global-control'), ScopeKind.Global);
  assert.equal(scopeKind('shard/orders/7'), ScopeKind.Shard);
  assert.equal(scopeKind('region/east'), ScopeKind.Custom);
  assert.equal(scopeKind('anything'), ScopeKind.Custom);
  assert.deepEqual([ScopeKind.Global, ScopeKind.Shard, ScopeKind.Custom], [0, 1, 2]);
});

test('regional scopes carry their region label', () => {
  assert.deepEqual(scopeLabels('region/west'), { region: 'west' });
  assert.deepEqual(scopeLabels('global-control'), {});
});

test('a healthy node campaigns for exactly its eligible scopes', () => {
  assert.deepEqual(campaignScopes(['global-control', 'region/east'], 'east', seeded()), ['global-control', 'region/east']);
  assert.deepEqual(campaignScopes([], 'east', seeded()), []);
});

test('eligibility-inverted campaigns for the standard scopes it is not eligible for', () => {
  assert.deepEqual(campaignScopes(['global-control'], 'east', seeded('eligibility-inverted')), ['region/east']);
  assert.deepEqual(campaignScopes(['region/east'], 'east', seeded('eligibility-inverted')), ['global-control']);
  assert.deepEqual(campaignScopes([], 'west', seeded('eligibility-inverted')), ['global-control', 'region/west']);
  assert.deepEqual(campaignScopes(['global-control', 'region/east'], 'east', seeded('eligibility-inverted')), []);
});
