import { Then, When, type DataTable } from '@cucumber/cucumber';
import type { Duration } from '../support/parameter-types';
import { groupTable } from '../support/tables';
import type { HyperscaleWorld } from '../support/world';

// @fault
When('the global leader is isolated from the rest of the cluster for {duration}', async function (this: HyperscaleWorld, duration: Duration) {
  await this.network.isolateLeader('global-control', duration);
});

/** Members: ids, "the global leader", "one other node" / "two other nodes", "everyone else". */
// @fault
// @table groups
When('the network is split for {duration}:', async function (this: HyperscaleWorld, duration: Duration, table: DataTable) {
  await this.network.split(groupTable(table), duration);
});

// @fault
// @table groups
When(
  'the network is split and healed {int} times within {duration}:',
  async function (this: HyperscaleWorld, times: number, within: Duration, table: DataTable) {
    await this.network.flap(groupTable(table), times, within);
  },
);

When('the partition has healed', async function (this: HyperscaleWorld) {
  await this.processes.healed();
});

Then('the isolated node handed out no sequence numbers while it was cut off', async function (this: HyperscaleWorld) {
  await this.network.expectIsolatedNodesHandedOutNothing();
});
