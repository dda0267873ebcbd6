import { Then } from '@cucumber/cucumber';
import type { Duration } from '../support/parameter-types';
import type { HyperscaleWorld } from '../support/world';

// Regional leaders (region/<name> scopes) are a relay-node extension.
// @requires feature:mesh-regional-leaders
Then(
  'within {duration} every node reports one global leader and one leader per region, the same in every view',
  async function (this: HyperscaleWorld, within: Duration) {
    await this.leadership.expectAgreed(within);
  },
);

Then('within {duration} every node reports the same global leader', async function (this: HyperscaleWorld, within: Duration) {
  await this.leadership.expectAgreed(within, ['global-control']);
});

Then('every leader was declared eligible for its scope', async function (this: HyperscaleWorld) {
  await this.leadership.expectEligible();
});

Then('within {duration} a new global leader is elected', async function (this: HyperscaleWorld, within: Duration) {
  await this.leadership.expectNewLeader('global-control', within);
});

Then('within {duration} of the leader going down, a new global leader is elected', async function (this: HyperscaleWorld, within: Duration) {
  await this.leadership.expectNewLeaderSinceDeposed('global-control', within);
});

Then('no scope ever had two leaders', async function (this: HyperscaleWorld) {
  await this.leadership.expectNoSplitBrain();
});

Then('terms and fence tokens only ever increased', async function (this: HyperscaleWorld) {
  await this.leadership.expectMonotonicLeases();
});

Then('every election completed within the election window', async function (this: HyperscaleWorld) {
  await this.leadership.expectElectionsWithinWindow();
});

/** Judged over every lease seen: each takeover of global-control from the node of role global, timed from the vacancy. */
Then(
  'no other node took global-control from the dedicated global node sooner than {duration} after it fell vacant',
  async function (this: HyperscaleWorld, minGap: Duration) {
    await this.leadership.expectStandbysDeferred(minGap);
  },
);

Then('the {string} side kept the same global leader for the whole split', async function (this: HyperscaleWorld, group: string) {
  await this.leadership.expectGroupKeptLeader(this.network.splits.at(-1), group, 'global-control');
});

/** Judged over the polls recorded while the region was cut off, once a lease could have run out (one TTL). */
Then(
  'while region {region} was cut off, none of its nodes acted as leader once its lease could have run out',
  async function (this: HyperscaleWorld, region: string) {
    await this.leadership.expectNoClaimsWhileCutOff(region);
  },
);
