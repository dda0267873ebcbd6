import { When } from '@cucumber/cucumber';
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

When('the stopped nodes are restarted and ready within {duration}', async function (this: HyperscaleWorld, within: Duration) {
  await this.processes.restartDown(within);
});
