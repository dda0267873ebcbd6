// An etcd member of a scenario's cluster, as a testcontainers module: `new EtcdContainer(image, topology,
// member, token).inScenario(scope, member.id).start()` resolves to its started handle.
import { publishedUrl } from './engine-host';
import { AbstractStartedContainer, type StartedTestContainer } from 'testcontainers';
import type { EtcdMemberSpec, Topology } from '../../topologies';
import { SuiteContainer } from './container';
import { containerLogs } from './logs';
import { ETCD_DATA_TMPFS, etcdCommand } from './specs';

export const ETCD_CLIENT_PORT = 2379;

export class EtcdContainer extends SuiteContainer {
  constructor(
    image: string,
    topology: Topology,
    private readonly member: EtcdMemberSpec,
    /** etcd's --initial-cluster-token: one per scenario, so members of two clusters never join up. */
    clusterToken: string,
  ) {
    super(image);
    this.withTmpFs({ ...ETCD_DATA_TMPFS })
      .withCommand(etcdCommand(topology, member, clusterToken))
      .readyWhenOk('/health', ETCD_CLIENT_PORT, `etcd member ${member.id}`);
  }

  override async start(): Promise<EtcdMember> {
    return new EtcdMember(this.member, await super.start());
  }
}

export class EtcdMember extends AbstractStartedContainer {
  constructor(
    private readonly spec: EtcdMemberSpec,
    started: StartedTestContainer,
  ) {
    super(started);
  }

  get id(): string {
    return this.spec.id;
  }

  get region(): string {
    return this.spec.region;
  }

  get clientUrl(): string {
    return publishedUrl(this.getMappedPort(ETCD_CLIENT_PORT));
  }

  get containerId(): string {
    return this.getId();
  }

  /** The member's log as text (the evidence attached when a scenario fails). */
  logText(): Promise<string> {
    return containerLogs(this.containerId);
  }
}
