// What every noun of the scenario layer shares, and nothing more: the scenario's clock, its history of
// client operations, its fault log, its verdicts, a place to attach evidence, its log, and its teardown. Nouns get this
// plus only the siblings they use (see world.ts, whose constructor is the whole dependency graph), so
// none of them holds the World.
import type { FaultLog } from '../chaos/faults';
import type { OpHistory, ScenarioClock } from '../checks/history';
import type { Attachable } from '../evidence/attach';
import type { Verdicts } from './verdicts';

export interface ScenarioContext {
  /** The scenario's name, as the feature gives it (set once the scenario starts). */
  readonly scenarioName: string;
  readonly clock: ScenarioClock;
  readonly history: OpHistory;
  readonly faults: FaultLog;
  readonly verdicts: Verdicts;
  /** Where evidence goes: cucumber's attach, which Allure picks up. */
  readonly evidence: Attachable;
  /** A line in the scenario's report log. */
  log(text: string): void;
  /**
   * Releases `cleanup` when the scenario's topology stops (the After hook), before anything deferred
   * earlier: background clients, scrapers and pollers say here how they stop, so no list is kept by hand.
   */
  defer(cleanup: () => PromiseLike<void> | void): void;
}
