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

/**
 * The general partition: each listed unordered pair `[a, b]` is cut both ways (a cannot reach b, b cannot
 * reach a); every other pair among the nodes named (in `cut` or in `nodes`) must still connect, and the
 * verification checks that too. Nodes named nowhere are untouched, as with groups. `nodes` names nodes that
 * are part of the picture without being cut from anyone (a bridge node). Built by hand or by the shape
 * builders in shapes.ts (`bridge`, `majoritiesRing`).
 */
export interface PairsSpec {
  readonly kind: 'pairs';
  readonly cut: readonly (readonly [string, string])[];
  /** Nodes the verification covers besides those in `cut` (order kept for messages). */
  readonly nodes?: readonly string[];
  /** What the shape is, for messages and the timeline (`bridge n3 between [n1, n2] and [n4, n5]`). */
  readonly label?: string;
}

/**
 * Random packet loss on the traffic between two groups, both directions: each packet from a node of one
 * group to a node of the other is dropped with `probability` (0 < p < 1), independently. Traffic within a
 * group, and to or from nodes named in neither, is untouched. Not a cut: every pair still connects, only
 * less reliably, so it is verified differently (rules present, every pair connects at least once).
 */
export interface LossSpec {
  readonly kind: 'loss';
  readonly between: { readonly a: readonly string[]; readonly b: readonly string[] };
  /** Per-packet drop probability on the path from one group to the other, each direction. */
  readonly probability: number;
}

export type PartitionSpec = GroupsSpec | OneWaySpec | PairsSpec | LossSpec;

/** Probe port per member: a fixed port, or chosen per member (relay nodes 8080, etcd 2379 …). */
export type PortOf = number | ((member: Member) => number);
