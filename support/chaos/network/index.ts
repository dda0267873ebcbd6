// Network partitions and lossy links: iptables rules inside the target containers' network namespaces,
// planned purely, applied from the host with nsenter, and verified (and their heal verified) with a TCP
// reachability probe (plus a rule listing for loss).
export type { Member, GroupsSpec, OneWaySpec, PairsSpec, LossSpec, PartitionSpec, PortOf } from './types';
export { bridge, majoritiesRing, viewsOf } from './shapes';
export { networkMembers, inspectMember, defaultPortOf, type MemberState } from './members';
export {
  planPartition,
  describeSpec,
  renderStep,
  renderArgs,
  renderScripts,
  PartitionSpecError,
  DEFAULT_CHAIN,
  perRuleProbability,
  impairedPairs,
  formatProbability,
  type PartitionPlan,
  type ContainerPlan,
  type PlannedChain,
  type VerificationMode,
  type IptablesStep,
  type IptablesArgs,
  type PairExpectation,
  type PairReason,
  type PlanOptions,
} from './plan';
export {
  runSteps,
  runInNetns,
  listRules,
  assertHostCanPartition,
  hostRequirements,
  NetworkFaultHostError,
  IptablesError,
  NetnsGoneError,
  DEFAULT_COMMAND_TIMEOUT_MS,
  type ExecResult,
} from './iptables';
export {
  probeConnect,
  probeAll,
  canConnect,
  reachabilityMatrix,
  verifyPartition,
  verifyHealed,
  verifyLoss,
  ReachabilityError,
  LossVerificationError,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_VERIFY_TIMEOUT_MS,
  DEFAULT_PROBE_CONCURRENCY,
  type MatrixCell,
  type ProbeTarget,
  type ProbeOptions,
  type VerifyOptions,
  type LossVerifyOptions,
} from './probe';
export { checkRules, lossAttempts, falseAlarmOdds, renderLossMatrix, type ChainCheck, type RuleCheck, type LossPairObservation, type LossRecord } from './loss';
export {
  classifyConnect,
  pairProblem,
  problemsOf,
  renderMatrix,
  type PairObservation,
  type ProbeOutcome,
  type ProbeResult,
  type ReachabilityRecord,
} from './reachability';
export {
  NetworkFaults,
  PartitionError,
  HealError,
  type NetworkFaultsOptions,
  type Partition,
  type PartitionRecord,
  type PartitionVerification,
  type HealRecord,
  type NodeHealStatus,
} from './faults';
