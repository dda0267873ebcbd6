// The suite's container: testcontainers' GenericContainer, with ports published on 127.0.0.1 only
// (testcontainers binds every interface) and the suite's labels.
import { GenericContainer } from 'testcontainers';

export class SuiteContainer extends GenericContainer {
  /** Publishes container ports on random ports of 127.0.0.1; the test process reaches nodes only so. */
  withLoopbackPorts(...ports: number[]): this {
    this.withExposedPorts(...ports);
    for (const port of ports) {
      this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '0' }] };
    }
    return this;
  }
}
