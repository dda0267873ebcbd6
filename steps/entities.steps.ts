// Entities with traits: auditable registers, large values, eviction from memory, and the trait
// checks. relay-node extension feature:mesh-entity-traits (docker/relay-node/docs/shards-data.md).
import { Given, Then, When } from '@cucumber/cucumber';
import type { HyperscaleWorld } from '../support/world';

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
