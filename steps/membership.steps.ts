import { Then } from '@cucumber/cucumber';
import type { Duration } from '../support/parameter-types';
import type { HyperscaleWorld } from '../support/world';

Then('within {duration} every node sees every other node Alive with its declared role and region', async function (this: HyperscaleWorld, within: Duration) {
  await this.health.expectMembershipConverged(within);
});
