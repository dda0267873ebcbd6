import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type CampaignContext, campaignDecision, dedicatedGlobalIn, SLOW_CAMPAIGN_TTLS, standsByForGlobal } from './campaign-rules';

const NOW = 1_000_000;
const base = (over: Partial<CampaignContext> = {}): CampaignContext => ({
  scope: 'global-control',
  region: 'east',
  eligible: ['region/east', 'global-control'],
  held: new Set(['region/east']),
  history: { vacantSinceMs: NOW - 10_000, everHeld: true, observedOther: true },
  nowMs: NOW,
  ttlMs: 3000,
  globalStandbyMs: 3000,
  ...over,
});
const campaigns = (over: Partial<CampaignContext> = {}): boolean => campaignDecision(base(over)).campaign;

test('only a node eligible for its region and global-control stands by', () => {
  assert.equal(standsByForGlobal(['region/east', 'global-control'], 'east'), true);
  assert.equal(standsByForGlobal(['global-control'], 'global'), false);
  assert.equal(standsByForGlobal(['region/east'], 'east'), false);
  assert.equal(standsByForGlobal(['region/west', 'global-control'], 'east'), false);
});

test('the dedicated global node campaigns at once, even at bootstrap', () => {
  const dedicated = { region: 'global', eligible: ['global-control'], held: new Set<string>() };
  assert.equal(campaigns({ ...dedicated, history: undefined }), true);
  assert.equal(campaigns({ ...dedicated, history: { vacantSinceMs: NOW, everHeld: false, observedOther: false } }), true);
});

test('a regional leader campaigns for global-control only after the standby deferral', () => {
  assert.equal(campaigns(), true);
  assert.equal(campaigns({ history: { vacantSinceMs: NOW - 2999, everHeld: true, observedOther: true } }), false);
  assert.equal(campaigns({ history: { vacantSinceMs: NOW - 3000, everHeld: true, observedOther: true } }), true);
  assert.equal(campaigns({ globalStandbyMs: 0, history: { vacantSinceMs: NOW, everHeld: false, observedOther: false } }), true);
  // Not observed vacant (held, or no observation yet): stays on standby.
  assert.match(JSON.stringify(campaignDecision(base({ history: { everHeld: true, observedOther: true } }))), /standby: global-control is held/);
  assert.equal(campaigns({ history: undefined }), false);
});

test('the deferral holds while the dedicated global node is Alive or not seen yet, and ends once gossip shows it gone', () => {
  const justVacant = { history: { vacantSinceMs: NOW - 100, everHeld: true, observedOther: true } };
  assert.equal(campaigns({ ...justVacant, dedicatedGlobal: 'alive' }), false);
  assert.equal(campaigns({ ...justVacant, dedicatedGlobal: 'unknown' }), false);
  assert.equal(campaigns({ ...justVacant }), false, 'no gossip information is "not seen"');
  assert.equal(campaigns({ ...justVacant, dedicatedGlobal: 'gone' }), true);
  // Gone or not, a held lease is never contested and the region comes first.
  assert.equal(campaigns({ history: { everHeld: true, observedOther: true }, dedicatedGlobal: 'gone' }), false);
  assert.equal(campaigns({ ...justVacant, held: new Set(), dedicatedGlobal: 'gone' }), false);
});

test('standby-never-defers skips the deferral even while the dedicated node is Alive', () => {
  const justVacant = { history: { vacantSinceMs: NOW, everHeld: false, observedOther: false } };
  assert.equal(campaigns({ ...justVacant, dedicatedGlobal: 'alive', standbyNeverDefers: true }), true);
  assert.equal(campaigns({ ...justVacant, dedicatedGlobal: 'alive', standbyNeverDefers: false }), false);
});

test('the dedicated global node is read from gossip by role', () => {
  const peer = (role: string, status: string) => ({ status, metadata: { role } });
  assert.equal(dedicatedGlobalIn([peer('regional', 'Alive')]), 'unknown');
  assert.equal(dedicatedGlobalIn([peer('global', 'Suspect'), peer('regional', 'Alive')]), 'gone');
  assert.equal(dedicatedGlobalIn([peer('global', 'Left')]), 'gone');
  assert.equal(dedicatedGlobalIn([peer('global', 'Left'), peer('global', 'Alive')]), 'alive');
});

test('a regional node that does not lead its region never campaigns for global-control', () => {
  const decision = campaignDecision(base({ held: new Set() }));
  assert.deepEqual(decision, { campaign: false, reason: 'standby: not leading region/east' });
});

test('the standby rule leaves the regional scope itself alone', () => {
  assert.equal(campaigns({ scope: 'region/east', held: new Set(), history: undefined }), true);
});

test('a scope released on request is left alone until the hold-off ends', () => {
  assert.equal(campaigns({ holdOffUntilMs: NOW + 1 }), false);
  assert.equal(campaigns({ holdOffUntilMs: NOW }), true);
});

test('slow-campaign waits 4 TTLs after a vacancy, but not at bootstrap', () => {
  const ttl = 3000;
  const vacated = (ago: number) => ({ scope: 'region/east', slowCampaign: true, history: { vacantSinceMs: NOW - ago, everHeld: true, observedOther: true } });
  assert.equal(campaigns(vacated(SLOW_CAMPAIGN_TTLS * ttl - 1)), false);
  assert.equal(campaigns(vacated(SLOW_CAMPAIGN_TTLS * ttl)), true);
  assert.equal(campaigns({ scope: 'region/east', slowCampaign: true, history: { vacantSinceMs: NOW, everHeld: false, observedOther: false } }), true);
  assert.equal(campaigns({ ...vacated(0), slowCampaign: false }), true);
});

test('campaign-once never campaigns again for a scope another node held', () => {
  assert.equal(campaigns({ scope: 'region/east', campaignOnce: true, history: { vacantSinceMs: NOW - 60_000, everHeld: true, observedOther: true } }), false);
  assert.equal(campaigns({ scope: 'region/east', campaignOnce: true, history: { vacantSinceMs: NOW, everHeld: true, observedOther: false } }), true);
  assert.equal(campaigns({ scope: 'region/east', campaignOnce: false, history: { vacantSinceMs: NOW, everHeld: true, observedOther: true } }), true);
});
