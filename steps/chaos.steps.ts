// Network chaos beyond clean splits: bridges, one-way cuts, fault schedules (latency on proxied links,
// partitions, packet loss, crashes, pauses, overlapping), and what must hold once they heal.
import { Then, When, type DataTable } from '@cucumber/cucumber';
import { groupTable } from '../support/tables';
import { parseSchedule } from '../support/chaos/schedule';
import type { HyperscaleWorld } from '../support/world';
import type { Duration } from '../support/parameter-types';
import type { Member } from '../support/members';

/** Members of the group named `bridge` see every side; the other groups are cut from each other. */
// @fault
// @table groups
When('the network is bridged for {duration}:', async function (this: HyperscaleWorld, duration: Duration, table: DataTable) {
  await this.network.bridge(groupTable(table), duration);
});

/** Groups `from` and `to`: `from` can no longer open connections to `to`; `to` still reaches `from`. */
// @fault
// @table groups
When('connections are cut one way for {duration}:', async function (this: HyperscaleWorld, duration: Duration, table: DataTable) {
  await this.network.oneWay(groupTable(table), duration);
});

/**
 * Rows `| fault | target | start | duration |`: on proxied links (`clients → region <r>`, `region <r>`, or
 * `region <a> ↔ region <b>`), latency <n> ms [± <m> ms], bandwidth <n> KB/s, connection resets or
 * connection timeouts; on `<side> / <side>`, partition
 * or packet loss <p>%; crash or pause of a node (an id or "the global leader").
 */
// @fault
// @table schedule
When('these faults run, overlapping, until all have healed:', async function (this: HyperscaleWorld, table: DataTable) {
  await this.chaos.run(parseSchedule(table));
});

/** The same rows, but the step ends once every fault has started, so that later steps watch the cluster under them. */
// @fault
// @table schedule
When('these faults start:', async function (this: HyperscaleWorld, table: DataTable) {
  await this.chaos.begin(parseSchedule(table));
});

When('the faults have healed', async function (this: HyperscaleWorld) {
  await this.processes.healed();
});

Then('within {duration} the gossip views on the two sides of the split have diverged', async function (this: HyperscaleWorld, within: Duration) {
  await this.network.expectGossipViewsDiverged(within);
});

/** Round trips as each node measured them by its own gossip exchanges (contract §5 `rttMs`), both ways. */
Then(
  'within {duration} every gossip round trip measured between {region} and {region} is over {duration}',
  async function (this: HyperscaleWorld, within: Duration, a: string, b: string, bound: Duration) {
    await this.links.expectCrossRegionRoundTrips([a, b], { over: bound.ms }, within);
  },
);

Then(
  'within {duration} every gossip round trip measured between {region} and {region} is under {duration}',
  async function (this: HyperscaleWorld, within: Duration, a: string, b: string, bound: Duration) {
    await this.links.expectCrossRegionRoundTrips([a, b], { under: bound.ms }, within);
  },
);

// The shard map (replica owners) is read through the contract's /control/shards.
Then('within {duration} every shard is owned by a node that every node sees Alive', async function (this: HyperscaleWorld, within: Duration) {
  await this.shardMap.expectNoOrphanedShards(within);
});

// @fault
// @table groups
When(
  '{int}% of the packets between these groups are lost for {duration}:',
  async function (this: HyperscaleWorld, percent: number, duration: Duration, table: DataTable) {
    await this.network.loss(groupTable(table), percent, duration);
  },
);

/** Retryable answers (contract §2: Unavailable, Internal, ResourceExhausted, Aborted, DeadlineExceeded) and transport errors are retried with jittered backoff. */
When(
  '{int} clients replay the {traffic} through every node, with up to {int} attempts per call, for at most {duration}',
  async function (this: HyperscaleWorld, clients: number, traffic: string, attempts: number, maxRun: Duration) {
    await this.clients.replay(traffic, clients, { kind: 'every node' }, maxRun, attempts);
  },
);

Then('at least {float}% of the {procedure} calls succeeded', async function (this: HyperscaleWorld, percent: number, procedure: string) {
  await this.clients.expectSuccessRate(procedure, percent);
});

Then('the clients retried fewer than {int}% of their calls', async function (this: HyperscaleWorld, percent: number) {
  await this.clients.expectRetryRateUnder(percent);
});

/** The suite's CA issues the node's next certificate already expired; relay-node's `reenroll` chaos hook makes it renew and hot-swap at once. */
// @fault
// @requires feature:mesh-cert-renewal
When('the certificate of {member} is replaced by an expired one for {duration}', async function (this: HyperscaleWorld, member: Member, duration: Duration) {
  await this.certificates.expire(await this.members.one(member), duration);
});

Then('within {duration} every other node sees {member} Left, and each other Alive', async function (this: HyperscaleWorld, within: Duration, member: Member) {
  await this.certificates.expectRefusedByPeers(await this.members.one(member), within);
});

/** The CA issues it a certificate valid for the first duration, then refuses its renewals (503) until the fault heals after the second. */
// @fault
// @requires feature:mesh-cert-renewal
When(
  '{member} gets a certificate expiring in {duration} and cannot renew it for {duration}',
  async function (this: HyperscaleWorld, member: Member, lifetime: Duration, duration: Duration) {
    await this.certificates.expireSoon(await this.members.one(member), lifetime, duration);
  },
);

When('the certificate fault has healed', async function (this: HyperscaleWorld) {
  await this.processes.healed();
});
