import { Then, When } from '@cucumber/cucumber';
import type { Duration } from '../support/parameter-types';
import type { HyperscaleWorld } from '../support/world';

// @fault
When('the global leader is paused for {duration}', async function (this: HyperscaleWorld, duration: Duration) {
  await this.promotion.pauseLeader('global-control', duration);
});

// Promotion is a relay-node extension; OmniRelay's docs call the operation "clusters promote".
// @requires feature:mesh-promotion
When('the leader of {region} is promoted to global leader', async function (this: HyperscaleWorld, region: string) {
  await this.promotion.promoteRegionLeader(region, 'global-control');
});

Then('within {duration} the leader of {region} holds the global lease', async function (this: HyperscaleWorld, within: Duration, region: string) {
  await this.promotion.expectRegionLeaderHolds(region, 'global-control', within);
});

Then("the promotion revoked the old global leader's lease", async function (this: HyperscaleWorld) {
  await this.promotion.expectIncumbentRevoked('global-control');
});

// global::echo is forwarded to the global leader; X-Mesh-Node names who served it.
// @requires feature:mesh-sequence
Then('{procedure} calls sent to every node are served by the global leader', async function (this: HyperscaleWorld, procedure: string) {
  await this.promotion.expectServedByHolder(procedure, 'global-control');
});

Then('the leadership metrics record the change of global leader', async function (this: HyperscaleWorld) {
  await this.promotion.expectLeadershipMetricsRecordChange('global-control');
});

When('the pause has ended', async function (this: HyperscaleWorld) {
  await this.processes.healed();
});

Then('within {duration} the old global leader has stepped down', async function (this: HyperscaleWorld, within: Duration) {
  await this.promotion.expectDeposedSteppedDown('global-control', within);
});

Then('the outcome matches the golden snapshot {string}', async function (this: HyperscaleWorld, name: string) {
  await this.promotion.expectGoldenOutcome(name);
});
