// Shared shapes of the network-fault library: who is on the scenario network, and what a partition says.

/** One container attached to the scenario's Docker network, as the fault library sees it. */
export interface Member {
  /** Node id: the container's label `omnirelay.hyperscale.node`, else its network alias, else its name. */
  readonly id: string;
  readonly containerId: string;
  /** Container name without the leading slash (for messages). */
  readonly name: string;
  /** Init process of the container in the engine's (= this host's) pid namespace; its netns is the container's. */
  readonly pid: number;
  /** IPv4 address on the scenario network. */
  readonly ip: string;
  /** TCP ports the container exposes (image + container config), used to pick a probe port by default. */
  readonly exposedPorts: readonly number[];
}

/**
 * Two or more named groups of node ids: every pair of nodes in different groups is cut both ways (new and
 * in-flight connections). Nodes named in no group are untouched: they still reach, and are reached by,
 * everyone. Covers "isolate a node" ({isolated: [n1], rest: [n2, n3]}), "isolate a region", "halves".
 */
export interface GroupsSpec {
  readonly kind: 'groups';
  readonly groups: Readonly<Record<string, readonly string[]>>;
}

/**
 * TCP-level one-way partition: `from` nodes can no longer open, or keep using, connections to `to` nodes,
 * while `to` nodes still open connections to `from` nodes and get their replies. Non-TCP traffic
 * follows conntrack's notion of direction (from may only answer what `to` sent first).
 */
export interface OneWaySpec {
  readonly kind: 'one-way';
  readonly from: readonly string[];
  readonly to: readonly string[];
}

export type PartitionSpec = GroupsSpec | OneWaySpec;

/** Probe port per member: a fixed port, or chosen per member (relay nodes 8080, etcd 2379 …). */
export type PortOf = number | ((member: Member) => number);
