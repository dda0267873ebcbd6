// Geo-affinity routing (feature:mesh-geo-affinity): clients homed in a region, where their calls are
// served while that region is healthy, degraded and healed, and whether the nodes' metrics say the same.
import { Then, When } from '@cucumber/cucumber';
import type { HyperscaleWorld } from '../support/world';
import type { Duration } from '../support/parameter-types';

/** Clients call `echo` with X-Mesh-Home-Region, entering through the other region's ingress; up to 3 attempts per call. */
When(
  '{int} geo-affinity clients homed in {region} call through {region} for at most {duration}',
  async function (this: HyperscaleWorld, clients: number, home: string, via: string, maxRun: Duration) {
    await this.geo.start(clients, home, via, maxRun);
  },
);

/** Judged on the calls completed in the last 1.5 s: at least 90 % acknowledged from that region (X-Mesh-Served-Region). */
Then('within {duration} the geo-affinity clients are served in {region}', async function (this: HyperscaleWorld, within: Duration, region: string) {
  await this.geo.expectServedIn(region, within);
});

Then('the routing metrics agree with what the geo-affinity clients saw', async function (this: HyperscaleWorld) {
  await this.geo.expectRoutingMetricsAgree();
});
