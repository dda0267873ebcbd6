import { Then } from '@cucumber/cucumber';
import type { Duration } from '../support/parameter-types';
import type { HyperscaleWorld } from '../support/world';

// Regional leaders (region/<name> scopes) are a relay-node extension.
// @requires feature:mesh-regional-leaders
Then('within {duration} every node reports one global leader and one leader per region, the same in every view', async function (this: HyperscaleWorld, within: Duration) {
  await this.expectLeadershipAgreed(within);
});

Then('every leader was declared eligible for its scope', async function (this: HyperscaleWorld) {
  await this.expectLeadersEligible();
});
