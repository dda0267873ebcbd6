// Durable entities: traits (auditable registers, large values, eviction from memory, the trait checks;
// relay-node extension feature:mesh-entity-traits), timers (feature:mesh-timers), workflows
// (feature:mesh-workflows), calls between entities (feature:mesh-entity-calls) and the cluster singleton
// task (feature:mesh-singleton), all described in docker/relay-node/docs/shards-data.md.
import { Given, Then, When } from '@cucumber/cucumber';
import type { HyperscaleWorld } from '../support/world';
import type { Duration } from '../support/parameter-types';

// @requires feature:mesh-entity-traits
Given('the registers {string} and {string} on {shard} keep an audit log', async function (this: HyperscaleWorld, a: string, b: string, shard: string) {
  await this.entities.makeAuditable([a, b], shard);
});

// @requires feature:mesh-entity-traits
When('a {int} MiB value is written to {string} on {shard}', async function (this: HyperscaleWorld, mib: number, key: string, shard: string) {
  await this.entities.writeLarge(mib, key, shard);
});

// @requires feature:mesh-entity-traits
When('the owner of {shard} evicts its entities from memory', async function (this: HyperscaleWorld, shard: string) {
  await this.entities.evictOnOwner(shard);
});

Then('the value of {string} is intact on every copy of its shard', async function (this: HyperscaleWorld, key: string) {
  await this.entities.expectLargeIntact(key);
});

Then('no two acknowledged changes on {shard} claimed the same version', async function (this: HyperscaleWorld, shard: string) {
  await this.entities.expectNoVersionClaimedTwice(shard);
});

Then(
  'every acknowledged change of an audited register on {shard} is in its audit log once, in version order',
  async function (this: HyperscaleWorld, shard: string) {
    await this.entities.expectAuditComplete(shard);
  },
);

// @requires feature:mesh-timers
When(
  '{int} timers are scheduled on {shard}, due evenly over the next {duration}',
  async function (this: HyperscaleWorld, count: number, shard: string, over: Duration) {
    await this.timers.schedule(count, shard, over);
  },
);

When('{int} of the timers on {shard} are cancelled before they are due', async function (this: HyperscaleWorld, count: number, shard: string) {
  await this.timers.cancel(count, shard);
});

Then('within {duration} every timer on {shard} has fired or been cancelled', async function (this: HyperscaleWorld, within: Duration, shard: string) {
  await this.timers.expectAllSettled(shard, within);
});

Then('every timer on {shard} fired exactly once, not before it was due, and no cancelled timer fired', async function (this: HyperscaleWorld, shard: string) {
  await this.timers.expectFiredOnce(shard);
});

// @requires feature:mesh-workflows
When(
  '{int} workflows of {int} steps, {duration} each, are started on {shard}, the first failing at step {int}',
  async function (this: HyperscaleWorld, count: number, steps: number, each: Duration, shard: string, failAt: number) {
    await this.workflows.start(count, steps, each, shard, failAt);
  },
);

When(
  'within {duration} every workflow on {shard} has run at least {int} steps',
  async function (this: HyperscaleWorld, within: Duration, shard: string, steps: number) {
    await this.workflows.expectProgress(shard, steps, within);
  },
);

Then('within {duration} every workflow on {shard} has completed or failed', async function (this: HyperscaleWorld, within: Duration, shard: string) {
  await this.workflows.expectSettled(shard, within, true);
});

When('the failed workflows on {shard} are retried', async function (this: HyperscaleWorld, shard: string) {
  await this.workflows.retryFailed(shard);
});

Then('within {duration} every workflow on {shard} has completed', async function (this: HyperscaleWorld, within: Duration, shard: string) {
  await this.workflows.expectSettled(shard, within, false);
});

Then('every activity of every workflow on {shard} was applied exactly once, in journal order', async function (this: HyperscaleWorld, shard: string) {
  await this.workflows.expectExactlyOnce(shard);
});

// @requires feature:mesh-entity-calls
Then(
  'every call between entities completed within {duration} and each message was delivered exactly once',
  async function (this: HyperscaleWorld, bound: Duration) {
    await this.entityCalls.expectDeliveredOnce(bound);
  },
);

// @requires feature:mesh-singleton
Given('the singleton task is watched on every node', function (this: HyperscaleWorld) {
  this.singleton.watch();
});

Then('within {duration} the singleton task runs on exactly one node', async function (this: HyperscaleWorld, within: Duration) {
  await this.singleton.expectOneRunner(within, false);
});

Then('within {duration} the singleton task runs on another node', async function (this: HyperscaleWorld, within: Duration) {
  await this.singleton.expectOneRunner(within, true);
});

When("the singleton task's runner is isolated from the rest of the cluster for {duration}", async function (this: HyperscaleWorld, duration: Duration) {
  await this.singleton.isolateRunner(duration);
});

When("the singleton task's runner crashes", async function (this: HyperscaleWorld) {
  await this.singleton.crashRunner();
});

Then('the singleton task never ran on two nodes at once, and its fences only rose', async function (this: HyperscaleWorld) {
  await this.singleton.expectNeverTwice();
});
