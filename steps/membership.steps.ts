import { Then, When } from '@cucumber/cucumber';
import type { Duration } from '../support/parameter-types';
import type { HyperscaleWorld } from '../support/world';

Then('within {duration} every node sees every other node Alive with its declared role and region', async function (this: HyperscaleWorld, within: Duration) {
  await this.health.expectMembershipConverged(within);
});

/** Nodes the topology does not declare (`<region>-surge-<n>`) join one at a time, stay, and leave gracefully at the same pace. */
// @fault
When(
  '{int} new nodes join region {region} one every {duration}, stay for {duration}, and leave again at the same pace',
  async function (this: HyperscaleWorld, count: number, region: string, every: Duration, stay: Duration) {
    await this.surges.surge(region, count, every, stay);
  },
);

Then('within {duration} every node sees the declared nodes Alive and every node that left Left', async function (this: HyperscaleWorld, within: Duration) {
  await this.surges.expectViewsConverged(within);
});
