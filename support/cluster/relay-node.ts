// A handle on one running relay node: domain verbs over its public endpoints, never raw Docker.
import type { StartedTestContainer } from 'testcontainers';
import type { TopologyNode } from '../../topologies';
import { NodeClient } from '../fabric/node-client';
import { containerLogs } from './logs';

export const RELAY_HTTP_PORT = 8080;
export const RELAY_GOSSIP_PORT = 17421;

export class RelayNode {
  readonly client: NodeClient;

  constructor(
    readonly spec: TopologyNode,
    private readonly container: StartedTestContainer,
  ) {
    this.client = new NodeClient(`http://127.0.0.1:${container.getMappedPort(RELAY_HTTP_PORT)}`);
  }

  get id(): string {
    return this.spec.id;
  }

  get region(): string {
    return this.spec.region;
  }

  get containerId(): string {
    return this.container.getId();
  }

  readiness() {
    return this.client.readiness();
  }

  introspect() {
    return this.client.introspect();
  }

  peers() {
    return this.client.peers();
  }

  leaders(scope?: string) {
    return this.client.leaders(scope);
  }

  call(procedure: string, body: unknown, headers?: Record<string, string>) {
    return this.client.call(procedure, body, headers);
  }

  logs(): Promise<string> {
    return containerLogs(this.containerId);
  }
}

export class EtcdMember {
  constructor(
    readonly id: string,
    readonly region: string,
    private readonly container: StartedTestContainer,
  ) {}

  get clientUrl(): string {
    return `http://127.0.0.1:${this.container.getMappedPort(2379)}`;
  }

  get containerId(): string {
    return this.container.getId();
  }

  logs(): Promise<string> {
    return containerLogs(this.containerId);
  }
}
