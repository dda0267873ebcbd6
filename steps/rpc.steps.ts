import { Then } from '@cucumber/cucumber';
import type { HyperscaleWorld } from '../support/world';

Then('every node answers an {procedure} call itself', async function (this: HyperscaleWorld, procedure: string) {
  await this.expectEveryNodeAnswersItself(procedure);
});
