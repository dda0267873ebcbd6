import { When } from '@cucumber/cucumber';
import type { Member } from '../support/members';
import type { Duration } from '../support/parameter-types';
import type { HyperscaleWorld } from '../support/world';

// @fault
When('the global leader crashes', async function (this: HyperscaleWorld) {
  await this.leadership.crashLeader('global-control');
});

// @fault
When('the global leader and one other node crash at the same time', async function (this: HyperscaleWorld) {
  await this.leadership.crashLeaderAndAnother('global-control');
});

// @fault
When(
  'the global leader crashes {int} times in a row, each time replaced within {duration}',
  async function (this: HyperscaleWorld, times: number, within: Duration) {
    await this.leadership.crashLeadersInARow('global-control', times, within);
  },
);

// @fault
When('the global leader shuts down gracefully', async function (this: HyperscaleWorld) {
  await this.leadership.shutDownLeaderGracefully('global-control');
});

/**
 * A crash with a window, the same as a `crash` row of a fault schedule: killed now (SIGKILL), restarted
 * when the window ends. The step returns once the node is down; `the faults have healed` waits for it.
 */
// @fault
When('{member} crashes for {duration}', async function (this: HyperscaleWorld, member: Member, duration: Duration) {
  await this.chaos.crashFor(member, duration);
});

When('the stopped nodes are restarted and ready within {duration}', async function (this: HyperscaleWorld, within: Duration) {
  await this.processes.restartDown(within);
});

/** SIGTERM: the node drains, releases its leases and hands its shards over; it stays down until started again. */
// @fault
When('{member} is stopped gracefully', async function (this: HyperscaleWorld, member: Member) {
  await this.rollouts.stop(member);
});

When('{member} is started again and ready within {duration}', async function (this: HyperscaleWorld, member: Member, within: Duration) {
  await this.rollouts.start(member, within);
});

// @fault
When('{member} is restarted gracefully and ready within {duration}', async function (this: HyperscaleWorld, member: Member, within: Duration) {
  await this.rollouts.restart(member, within);
});

/** Each relay node of the region in turn, by id; "converged" is every node seeing every other Alive as declared. */
// @fault
When(
  'the nodes of region {region} are restarted gracefully one at a time, each back and every view converged within {duration} before the next',
  async function (this: HyperscaleWorld, region: string, each: Duration) {
    await this.rollouts.rollRegion(region, each);
  },
);
