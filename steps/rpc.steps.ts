import { Then } from '@cucumber/cucumber';
import type { HyperscaleWorld } from '../support/world';

// Which node answered is read from the X-Mesh-Node extension header.
// @requires feature:mesh-roles
Then('every node answers an {procedure} call itself', async function (this: HyperscaleWorld, procedure: string) {
  await this.health.expectEveryNodeAnswersItself(procedure);
});
