// Network partitions: iptables rules inside the target containers' network namespaces, planned purely,
// applied from the host with nsenter, and verified (and their heal verified) with a TCP reachability probe.
export type { Member, GroupsSpec, OneWaySpec, PartitionSpec, PortOf } from './types';
export { networkMembers, inspectMember, defaultPortOf, type MemberState } from './members';
export {
  planPartition,
  describeSpec,
  renderStep,
  renderArgs,
  renderScripts,
  PartitionSpecError,
  DEFAULT_CHAIN,
  type PartitionPlan,
  type ContainerPlan,
  type IptablesStep,
  type IptablesArgs,
  type PairExpectation,
  type PairReason,
  type PlanOptions,
} from './plan';
export {
  runSteps,
  runInNetns,
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
  canConnect,
  reachabilityMatrix,
  verifyPartition,
  verifyHealed,
  ReachabilityError,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_VERIFY_TIMEOUT_MS,
  DEFAULT_PROBE_CONCURRENCY,
  type MatrixCell,
  type ProbeOptions,
  type VerifyOptions,
} from './probe';
export {
  classifyProbe,
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
  type HealRecord,
  type NodeHealStatus,
} from './faults';
