import { Given, Then } from '@cucumber/cucumber';
import type { HyperscaleWorld } from '../support/world';

Given('the {topology} topology is running', async function (this: HyperscaleWorld, name: string) {
  await this.startTopology(name);
});

Given('the default topology is running', async function (this: HyperscaleWorld) {
  await this.startTopology();
});

Then('every node is ready', async function (this: HyperscaleWorld) {
  await this.expectEveryNodeReady();
});
