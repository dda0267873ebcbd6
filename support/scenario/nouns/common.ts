// What every noun of the World shares: bounds on faults and lookups, and the checker failure type.
import { Duration } from '../../duration';

/** A fault with no explicit end still ends: the After hook, or this bound, heals it. */
export const FAULT_MAX_WINDOW_MS = 120_000;
/** How long a fault step may wait to learn who currently leads before it acts. */
export const LEADER_LOOKUP = new Duration(10_000);

export { CheckerError } from '../../checks/checker-error';
