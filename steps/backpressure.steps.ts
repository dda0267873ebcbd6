// Cross-region backpressure (feature:mesh-backpressure): load that saturates a shard's owner in one
// region, seen from the owner, the global leader and clients entering through another region.
import { Given, Then, When } from '@cucumber/cucumber';
import type { HyperscaleWorld } from '../support/world';
import type { Duration } from '../support/parameter-types';

/** Every relay node serves at most that many calls per second as a shard owner (RELAY_NODE_QPS_BUDGET); unlike a shard budget it never moves a shard. */
Given(
  'the {topology} topology is running with a node budget of {int} calls per second',
  async function (this: HyperscaleWorld, name: string, nodeQpsBudget: number) {
    await this.startTopology(name, {}, { nodeQpsBudget });
  },
);

/** The first shard (by id) owned in the first region; every client writes its own key there, up to 3 tries per call, waiting out each Retry-After. */
// @requires feature:mesh-entities
When(
  '{int} clients write to a shard owned in {region} through {region} for at most {duration}',
  async function (this: HyperscaleWorld, clients: number, ownerRegion: string, via: string, maxRun: Duration) {
    await this.backpressure.saturate(clients, ownerRegion, via, maxRun);
  },
);

Then("within {duration} the shard owner's backpressure counters rise", async function (this: HyperscaleWorld, within: Duration) {
  await this.backpressure.expectOwnerCountersRose(within);
});

Then('within {duration} the global leader records pressure on the shard owner', async function (this: HyperscaleWorld, within: Duration) {
  await this.backpressure.expectLeaderRecorded(within);
});

/** Answers with X-Mesh-Throttled naming the owner and Retry-After ≥ 1 s, from nodes of the clients' own region. */
Then("within {duration} the clients are throttled by their own region's ingress", async function (this: HyperscaleWorld, within: Duration) {
  await this.backpressure.expectThrottledAtIngress(within);
});

Then('the clients were throttled before any call timed out', async function (this: HyperscaleWorld) {
  await this.backpressure.expectThrottledBeforeTimeouts();
});

/** Tries per second of the whole client fleet, retries included, from the second of the first throttled answer on. */
Then('once throttled, the clients sent fewer than {int} tries per second', async function (this: HyperscaleWorld, limit: number) {
  await this.backpressure.expectNoHerd(limit);
});

/** No node is under pressure or sees a member that is, the global leader closed the episode, and a write through the clients' region is served. */
Then('within {duration} the pressure has cleared everywhere', async function (this: HyperscaleWorld, within: Duration) {
  await this.backpressure.expectCleared(within);
});
