// The suite's container: testcontainers' GenericContainer, with ports published on 127.0.0.1 only
// (testcontainers binds every interface), the scenario's name, labels and network, and a readiness
// wait on an HTTP endpoint. Each kind of container is a module class on top of it (etcd.ts,
// relay-node.ts, fault-proxy.ts, otlp-receiver.ts), in testcontainers' module shape:
// `new XContainer(image).withY(…).start()` resolves to a started handle with X's verbs.
import { publishAddress } from './engine-host';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { assertNotInterrupted } from './interrupt';
import { LABEL, RUN } from './labels';
import type { ScenarioNetwork } from './network';
import { HttpOkWaitStrategy } from './readiness';

/** Where a scenario's containers live: its network and labels, and how long each may take to be ready. */
export interface ScenarioScope {
  readonly scenarioId: string;
  readonly network: ScenarioNetwork;
  readonly labels: Readonly<Record<string, string>>;
  readonly readyTimeoutMs: number;
}

/** A container's name: the run, the scenario and its alias, so that `docker ps` says whose it is. */
export function containerName(scenarioId: string, alias: string): string {
  return `ohs-${RUN.id}-${scenarioId}-${alias}`;
}

export class SuiteContainer extends GenericContainer {
  override async start(): Promise<StartedTestContainer> {
    assertNotInterrupted(`container ${this.createOpts.name ?? this.imageName.string}`);
    return super.start();
  }

  /** Publishes container ports on random ports of 127.0.0.1; the test process reaches nodes only so. */
  withLoopbackPorts(...ports: number[]): this {
    this.withExposedPorts(...ports);
    for (const port of ports) {
      this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${port}/tcp`]: [{ HostIp: publishAddress(), HostPort: '0' }] };
    }
    return this;
  }

  /** Joins the scenario's network as `alias` (also its node label), named after the scenario. */
  inScenario(scope: ScenarioScope, alias: string): this {
    // The alias rides on the create call. testcontainers' withNetworkAliases creates the container on the
    // engine's default bridge and then connects it to the network: a second interface per container on a
    // network every scenario shares, and one more serialised libnetwork operation per container at start.
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [scope.network.name]: { Aliases: [alias] } } };
    return this.withName(containerName(scope.scenarioId, alias))
      .withLabels({ ...scope.labels, [LABEL.node]: alias })
      .withNetworkMode(scope.network.name)
      .withStartupTimeout(scope.readyTimeoutMs);
  }

  /** Ready once `GET path` on `port` (published on 127.0.0.1, with `more` ports) answers 2xx. */
  readyWhenOk(path: string, port: number, what: string, ...more: number[]): this {
    return this.withLoopbackPorts(port, ...more).withWaitStrategy(new HttpOkWaitStrategy(path, port, what));
  }
}
