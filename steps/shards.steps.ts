// Shards: the map every node routes by, moves (budget, operator, drain), owners and replicas taken
// down, and the data checks over the recorded history. Test entities (counter, kv, set, slow call)
// are relay-node extensions, as are replicas, rebalance and the per-copy state route.
import { Given, Then, When } from '@cucumber/cucumber';
import type { HyperscaleWorld } from '../support/world';
import type { Duration } from '../support/parameter-types';
import type { Entry, Load } from '../support/load';

Given(
  'the {topology} topology is running with a shard budget of {int} calls per second',
  async function (this: HyperscaleWorld, name: string, qpsBudget: number) {
    await this.startTopology(name, {}, { qpsBudget });
  },
);

Given('within {duration} every node routes by the same shard map', async function (this: HyperscaleWorld, within: Duration) {
  await this.shardMap.expectSameMapEverywhere(within);
});

/**
 * How much load ("8 clients", "50 calls per second", "8 clients at 50 calls per second") and where it
 * enters: "through every node", "from region \"west\"" (clients placed there: every call enters through
 * its nodes), or "routed to shard owners" (shard-keyed calls straight to the owner).
 */
// @requires feature:mesh-entities
When(
  '{load} replay the {traffic} {entry} for at most {duration}',
  async function (this: HyperscaleWorld, load: Load, traffic: string, entry: Entry, maxRun: Duration) {
    await this.clients.replayEntering(traffic, load, entry, maxRun);
  },
);

When('at least {int} calls have been acknowledged within {duration}', async function (this: HyperscaleWorld, count: number, within: Duration) {
  await this.clients.expectCallsAcknowledged(count, within);
});

When('at least {int} more calls have been acknowledged within {duration}', async function (this: HyperscaleWorld, count: number, within: Duration) {
  await this.clients.expectCallsAcknowledged(count, within, true);
});

// @requires feature:mesh-entities
When('{int} slow calls of {duration} start on {shard}', async function (this: HyperscaleWorld, count: number, duration: Duration, shard: string) {
  await this.shardMoves.startSlowCalls(count, duration, shard);
});

When('{shard} is hot on its owner', async function (this: HyperscaleWorld, shard: string) {
  await this.shardMoves.markHot(shard);
});

Then(
  'within {duration} {shard} has moved from its original owner to one of its replicas',
  async function (this: HyperscaleWorld, within: Duration, shard: string) {
    await this.shardMoves.expectMoved(shard, within, true);
  },
);

Then('within {duration} {shard} has a new owner', async function (this: HyperscaleWorld, within: Duration, shard: string) {
  await this.shardMoves.expectMoved(shard, within, false);
});

Then('within {duration} every node routes {shard} to its new owner', async function (this: HyperscaleWorld, within: Duration, shard: string) {
  await this.shardMap.expectEveryNodeRoutes(shard, within);
});

Then('the slow calls on {shard} all completed on its original owner', async function (this: HyperscaleWorld, shard: string) {
  await this.shardMoves.expectSlowCallsCompletedOnOriginalOwner(shard);
});

Then(
  'while {shard} was hot on its original owner, the fewest-pending chooser sent it less than an even share of calls',
  async function (this: HyperscaleWorld, shard: string) {
    await this.shardMoves.expectChooserAvoidedHotOwner(shard);
  },
);

Then('the shard map diff records every move', async function (this: HyperscaleWorld) {
  await this.shardMoves.expectDiffRecordsMoves();
});

// @requires feature:mesh-rebalance
When('an operator moves {shard} to another of its replicas', async function (this: HyperscaleWorld, shard: string) {
  await this.shardMoves.operatorMoves(shard);
});

Then('the handover took less than {duration}', async function (this: HyperscaleWorld, bound: Duration) {
  await this.shardMoves.expectHandoverWithin(bound);
});

Then('every call on {shard} succeeded', async function (this: HyperscaleWorld, shard: string) {
  await this.shardData.expectEveryCallSucceeded(shard);
});

// @fault
When('the owner of {shard} is drained', async function (this: HyperscaleWorld, shard: string) {
  await this.shardFaults.drainOwner(shard);
});

Then('new calls to the drained node are refused with 503 and Retry-After 1', async function (this: HyperscaleWorld) {
  await this.shardFaults.expectDrainedNodeRefusesNewCalls();
});

Then('within {duration} the drained node owns and replicates no shard', async function (this: HyperscaleWorld, within: Duration) {
  await this.shardFaults.expectDrainedNodeHoldsNothing(within);
});

When('the drained node resumes and is ready within {duration}', async function (this: HyperscaleWorld, within: Duration) {
  await this.shardFaults.resumeDrained(within);
});

// @fault
When('the owner of {shard} crashes', async function (this: HyperscaleWorld, shard: string) {
  await this.shardFaults.crashOwner(shard);
});

// @fault
When('a replica of {shard} crashes', async function (this: HyperscaleWorld, shard: string) {
  await this.shardFaults.crashReplica(shard);
});

// @fault
When('the owner of {shard} is isolated from the rest of the cluster for {duration}', async function (this: HyperscaleWorld, shard: string, duration: Duration) {
  await this.shardFaults.isolateOwner(shard, duration);
});

When(
  'within {duration} a new key of {shard} is written through the new owner and then read through the cut-off original owner',
  async function (this: HyperscaleWorld, within: Duration, shard: string) {
    await this.shardData.probeStaleReadThroughOriginalOwner(shard, within);
  },
);

Then('within {duration} the map of {shard} no longer lists the crashed replica', async function (this: HyperscaleWorld, within: Duration, shard: string) {
  await this.shardFaults.expectCrashedReplicaDropped(shard, within);
});

Then('no write to {shard} was acknowledged while its map still listed the crashed replica', async function (this: HyperscaleWorld, shard: string) {
  await this.shardData.expectNoWriteAckedWhileReplicaDown(shard);
});

Then('within {duration} the restarted node is a replica of {shard} again', async function (this: HyperscaleWorld, within: Duration, shard: string) {
  await this.shardFaults.expectRestartedReplicaRejoined(shard, within);
});

// The per-copy state route (/control/shards/state) is a relay-node extension.
// @requires feature:mesh-replicas
Then("within {duration} every copy of {shard} is identical to its owner's", async function (this: HyperscaleWorld, within: Duration, shard: string) {
  await this.shardData.expectCopiesIdentical(shard, within);
});

Then('every counter read was within the acknowledged and attempted increments', async function (this: HyperscaleWorld) {
  await this.shardData.expectCounterValid();
});

Then('no acknowledged add to a set was lost', async function (this: HyperscaleWorld) {
  await this.shardData.expectNoAcknowledgedAddLost();
});

/** A final read of every key written; each must show a write that may be its last (a lost last write nobody read is found). */
Then('no acknowledged key-value write was lost', async function (this: HyperscaleWorld) {
  await this.shardData.expectNoAcknowledgedKvWriteLost();
});

Then('the key-value history of {shard} is linearizable', async function (this: HyperscaleWorld, shard: string) {
  await this.shardData.expectLinearizable(shard);
});
