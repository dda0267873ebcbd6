// How `--compare` judges each figure the bench prints, per section, in one table. compare.test.ts checks
// that every figure name in the bench's sources has a rule here, so a new figure cannot go unjudged.
//
// What is judged. These machines are noisy (2 cores): one start, one kill or one tail sample moves by
// ±25 % between runs with nothing changed, more than the 20 % a regression must reach. So the judged
// figures are the robust ones: ratios of two sides measured alternately in the same run (the machine's
// state cancels out), medians over several rounds or many calls (p50s), and throughputs that are medians
// of rounds. Shown, never judged: tails (p99, max: a few samples decide them), figures whose samples all
// share one event (the timers and workflows of one kill, the first throttle of one overload: a median
// over them is still one sample), differences of two near-equal figures (a % of a few ms is noise),
// the activity of a mechanism (calls shed, calls overlapping a handover: neither more nor fewer is
// better), and the phases of whichever `npm run bdd` ran last (its selection, not a fixed workload).
// This table says what may be judged; the baseline's own runs say what can be on its machine: a judged
// figure that moved by half the threshold between the baseline's quiet runs is shown as noisy
// (compare.ts, NOISE_SHARE), since two quiet runs of the same code differ that much.
import { PHASES } from '../../evidence/phases';
import { SUITE_LABELS } from './suite';

export const SECTIONS = ['startup', 'failover', 'load', 'proxy', 'handover', 'entities', 'overload', 'netfaults', 'skew', 'phases', 'suite'] as const;
export type Section = (typeof SECTIONS)[number];

export type InfoReason = 'tail' | 'one event' | 'difference' | 'activity' | 'last bdd run' | 'left out';

export type Rule =
  /** Judged: worse when it moves the threshold or more against this direction. */
  | { readonly kind: 'lower' | 'higher' }
  /** The bench's configuration: compared for equality; a difference warns that the runs are not alike. */
  | { readonly kind: 'setting' }
  /**
   * Failed calls or scenarios. Usually 0, so a % cannot be taken: worse when they appear where the
   * baseline had none (a refused call is a fast one, so that run's throughput and latency are not to
   * be trusted either); where the baseline had some, a count of a few events is shown, not judged.
   */
  | { readonly kind: 'failures' }
  | { readonly kind: 'info'; readonly why: InfoReason };

const LOWER: Rule = { kind: 'lower' };
const HIGHER: Rule = { kind: 'higher' };
const SETTING: Rule = { kind: 'setting' };
const FAILURES: Rule = { kind: 'failures' };
const info = (why: InfoReason): Rule => ({ kind: 'info', why });
const TAIL = info('tail');
const ONE_EVENT = info('one event');

type Entry = readonly [name: string | RegExp, rule: Rule];
const slug = (p: string) => p.replace(/ /g, '_');

const TABLE: { readonly [S in Section]: readonly Entry[] } = {
  startup: [
    ['topology_ready_fixture_ms', LOWER], // median of --rounds starts
    ['topology_ready_bare_docker_ms', LOWER], // the same containers by bare API calls: relay-node's own start
    ['fixture_to_bare_docker_ratio', LOWER],
    ['fixture_to_bare_docker_round_ratio_median', LOWER],
    ['topology_containers', SETTING],
    ['bench_rounds', SETTING],
  ],
  failover: [
    ['failover_without_promotion_ms', LOWER], // median of --rounds pauses
    ['failover_without_promotion_max_ms', TAIL],
    ['failover_with_promotion_ms', LOWER],
    ['failover_with_promotion_max_ms', TAIL],
    ['configured_lease_ttl_ms', SETTING],
    ['failover_without_promotion_to_lease_ratio', LOWER],
    ['failover_with_promotion_to_lease_ratio', LOWER],
    ['failover_rounds', SETTING],
  ],
  load: [
    ['load_autocannon_rps', HIGHER], // medians of --load-rounds rounds
    ['load_autocannon_p50_ms', LOWER],
    ['load_autocannon_p99_ms', TAIL],
    ['load_autocannon_non2xx_or_errors', FAILURES],
    ['load_driver_rps', HIGHER],
    ['load_driver_p50_ms', LOWER],
    ['load_driver_p99_ms', TAIL],
    ['load_driver_p99_with_connection_waits_ms', TAIL],
    // A ratio of two tails: the machine cancels out, but a few samples still decide each side (quiet runs: 1.23 and 1.84).
    ['load_driver_to_autocannon_p99_ratio', TAIL],
    ['load_driver_non2xx_or_errors', FAILURES],
    ['load_driver_to_autocannon_rps_ratio', HIGHER],
    ['load_concurrency', SETTING],
    ['load_seconds', SETTING],
    ['load_rounds', SETTING],
  ],
  proxy: [
    ['proxy_flavour', SETTING],
    ['proxy_direct_rps', HIGHER],
    ['proxy_proxied_rps', HIGHER],
    ['proxy_throughput_ratio', HIGHER],
    ['proxy_direct_p50_ms', LOWER],
    ['proxy_proxied_p50_ms', LOWER],
    ['proxy_added_p50_ms', info('difference')], // judged through proxied vs direct p50 and the throughput ratio
    ['proxy_direct_p99_ms', TAIL],
    ['proxy_proxied_p99_ms', TAIL],
    ['proxy_added_p99_ms', info('difference')],
    ['proxy_clients', SETTING],
  ],
  handover: [
    ['handover_moves', SETTING],
    ['handover_ms_p50', LOWER], // median of --handovers moves
    ['handover_ms_max', TAIL],
    ['handover_map_on_every_node_ms_p50', LOWER],
    ['handover_map_on_every_node_ms_max', TAIL],
    ['handover_overlapping_calls', info('activity')],
    ['handover_overlapping_call_p50_ms', LOWER],
    ['handover_overlapping_call_p99_ms', TAIL],
    ['handover_overlapping_call_max_ms', TAIL],
    ['handover_overlapping_calls_not_ok', FAILURES],
    ['steady_call_p50_ms', LOWER],
    ['steady_call_p99_ms', TAIL],
    ['steady_calls_not_ok', FAILURES],
    ['handover_to_steady_p99_ratio', LOWER],
  ],
  entities: [
    ['entities_set_rps', HIGHER], // medians of --load-rounds rounds
    ['entities_cas_rps', HIGHER],
    ['entities_cas_to_set_rps_ratio', HIGHER],
    ['entities_set_p99_ms', TAIL],
    ['entities_cas_p99_ms', TAIL],
    ['entities_cas_ok_share', HIGHER], // % of cas calls answered 200, near 100
    [/^entities_get_p99_\d+_keys_ms$/, TAIL], // the shard of 10 keys and the one of 10,000
    ['entities_get_p99_big_to_small_ratio', LOWER], // the figure the section exists for; same rounds
    ['entities_not_ok_calls', FAILURES],
    ['timers_late_p50_under_load_ms', LOWER], // median of 100 timers due at different times
    ['timers_late_p99_under_load_ms', TAIL],
    ['timers_late_p50_across_failover_ms', ONE_EVENT], // 50 timers late by the same one failover
    ['timers_late_p99_across_failover_ms', TAIL],
    ['timers_late_max_across_failover_ms', TAIL],
    ['workflows_resume_after_owner_kill_ms', ONE_EVENT],
    ['workflows_step_gap_ms', LOWER], // median of every step gap
  ],
  overload: [
    ['overload_node_budget', SETTING],
    ['overload_saturation_to_first_throttle_in_other_region_ms', ONE_EVENT],
    ['overload_goodput_at_100pct_rps', HIGHER],
    ['overload_goodput_at_150pct_rps', HIGHER],
    ['overload_goodput_150_to_100_ratio', HIGHER],
    ['overload_shed_at_ingress_150pct', info('activity')],
    ['overload_refused_by_owner_150pct', info('activity')],
  ],
  netfaults: [
    ['netfaults_members', SETTING],
    ['netfaults_helper_first_cut_ms', ONE_EVENT], // one cut, which also starts the helpers
    ['netfaults_helper_cut_ms', LOWER], // medians of --rounds cuts and heals
    ['netfaults_helper_heal_ms', LOWER],
    ['netfaults_host_cut_ms', LOWER],
    ['netfaults_host_heal_ms', LOWER],
    ['netfaults_helper_to_host_cut_ratio', LOWER],
    ['netfaults_helper_to_host_heal_ratio', LOWER],
    ['netfaults_host_skipped', info('left out')],
    ['netfaults_rounds', SETTING],
  ],
  skew: [
    // Behaviour past the clock bound relay-node states: one cut per drift, shown so a change is seen, not judged.
    [/^skew_claim_overlap_drift_\d+pct_slow_ms$/, ONE_EVENT],
    ['skew_lease_ttl_ms', SETTING],
  ],
  phases: [
    ['phases_scenarios', info('last bdd run')],
    ['phases_scenario_time_total', info('last bdd run')],
    ...PHASES.flatMap((p): Entry[] => [
      [`phases_${slug(p)}_total`, info('last bdd run')],
      [`phases_${slug(p)}_median`, info('last bdd run')],
    ]),
    ['phases_before_all', info('last bdd run')],
    ['phases_after_all', info('last bdd run')],
    ['phases_run_wall', info('last bdd run')],
  ],
  suite: [
    // One run each, but the sum of every scenario's time: one scenario's jitter is a small share of it.
    ...SUITE_LABELS.flatMap((l): Entry[] => [
      [`suite_${l}_s`, LOWER],
      [`suite_${l}_passed`, info('activity')],
      [`suite_${l}_not_passed`, FAILURES],
      [`suite_${l}_to_serial_ratio`, LOWER],
    ]),
    ['suite_parallel2_two_engines', info('left out')],
  ],
};

export interface Classified {
  readonly section: Section;
  readonly rule: Rule;
}

/** The section and rule of a figure name, or undefined for a name this table does not know. */
export function classify(name: string): Classified | undefined {
  for (const section of SECTIONS) {
    for (const [pattern, rule] of TABLE[section]) {
      if (typeof pattern === 'string' ? pattern === name : pattern.test(name)) return { section, rule };
    }
  }
  return undefined;
}

/** Every name and pattern of the table, for the test that no entry outlived its figure. */
export const tableEntries = (): readonly (readonly [Section, string | RegExp])[] => SECTIONS.flatMap((s) => TABLE[s].map(([pattern]) => [s, pattern] as const));
