// Telemetry (feature:mesh-shard-telemetry): spans exported over OTLP/HTTP to the scenario's receiver,
// metrics a scrape can alert on, and counters that stay monotonic across restarts for a scraper.
import { Then, When, type DataTable } from '@cucumber/cucumber';
import type { HyperscaleWorld } from '../support/world';
import type { Duration } from '../support/parameter-types';
import { spanRows } from '../support/scenario/nouns/telemetry';
import { TableError } from '../support/tables';

/** Ends once every node has been scraped once; scraping goes on in the background until the counters are judged. */
When('the metrics of every node are scraped every {duration}', async function (this: HyperscaleWorld, every: Duration) {
  await this.telemetry.startScraping(every);
});

/** Values may be `the global leader` (the current holder of global-control) or `the previous global leader` (the last one a fault took down). */
Then('within {duration} the trace receiver holds these spans:', async function (this: HyperscaleWorld, within: Duration, table: DataTable) {
  await this.telemetry.expectSpans(spanRows(table.raw()), within);
});

Then(
  "the global leader's metrics show {word} of at least {int} where:",
  async function (this: HyperscaleWorld, metric: string, atLeast: number, table: DataTable) {
    const [header, ...rows] = table.raw();
    if (header?.map((c) => c.trim().toLowerCase()).join('|') !== 'label|value')
      throw new TableError('label table: the first row must be the header | label | value |');
    await this.telemetry.expectLeaderMetric(metric, Object.fromEntries(rows.map(([k, v]) => [k!.trim(), v!.trim()])), atLeast);
  },
);

/** A counter may fall only where process_start_time_seconds changed (a restart); judged once every live node was scraped twice more. */
Then('within {duration} every counter has only risen, with restarts told apart by their start time', async function (this: HyperscaleWorld, within: Duration) {
  await this.telemetry.expectCountersMonotonic(within);
});
