import { Then, When } from '@cucumber/cucumber';
import type { Duration } from '../support/parameter-types';
import type { HyperscaleWorld } from '../support/world';

// The cluster-wide sequence (sequence::next, forwarded to the global leader) is a relay-node extension.
// @requires feature:mesh-sequence
When('{int} clients draw from the cluster-wide sequence through every node', function (this: HyperscaleWorld, clients: number) {
  this.clients.start('sequence::next', clients);
});

Then('within {duration} at least {int} numbers have been drawn', async function (this: HyperscaleWorld, within: Duration, count: number) {
  await this.clients.expectAcknowledged('sequence::next', count, within);
});

When('the clients stop', async function (this: HyperscaleWorld) {
  await this.clients.stop();
});

Then('the cluster-wide sequence never repeated a number across at least {int} draws', async function (this: HyperscaleWorld, minimum: number) {
  await this.clients.expectSequenceNeverRepeated(minimum);
});
