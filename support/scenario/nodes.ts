// The running cluster as nouns see it: the handle, the relay nodes up right now, and questions asked of
// every node at once. The World provides it; nouns depend on this interface, never on the World.
import type { Cluster } from '../cluster/cluster';
import type { RelayNode } from '../cluster/relay-node';
import type { Views } from '../checks/cluster-views';
import type { LeadersView, PeersView } from '../fabric/contract';
import type { LeadershipWatch } from '../fabric/leadership-watch';

export interface ClusterNodes {
  /** The running cluster; throws, saying how to start one, when no topology is running. */
  readonly cluster: Cluster;
  /** Every node's leadership, streamed and polled for the scenario's life. */
  readonly leadershipWatch: LeadershipWatch;
  /** The relay nodes not crashed, stopped or paused right now. */
  liveNodes(): RelayNode[];
  /** Asks every relay node (or `nodes`) the same question in parallel; the answers keyed by node id. */
  askEveryNode<T>(question: (node: RelayNode) => Promise<T>, nodes?: readonly RelayNode[]): Promise<Views<T>>;
  leaderViews(): Promise<Views<LeadersView>>;
  peerViews(): Promise<Views<PeersView>>;
}
