import { Given, Then, type DataTable } from '@cucumber/cucumber';
import { timerTable } from '../support/tables';
import type { HyperscaleWorld } from '../support/world';

Given('the {topology} topology is running', async function (this: HyperscaleWorld, name: string) {
  await this.startTopology(name);
});

/** Overrides topology timers for this scenario: a table of `| timer | milliseconds |` rows. */
// @table timers
Given('the {topology} topology is running with timers:', async function (this: HyperscaleWorld, name: string, table: DataTable) {
  await this.startTopology(name, timerTable(table));
});

Given('the default topology is running', async function (this: HyperscaleWorld) {
  await this.startTopology();
});

Then('every node is ready', async function (this: HyperscaleWorld) {
  await this.health.expectEveryNodeReady();
});
