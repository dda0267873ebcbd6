// One Docker network per scenario: container-to-container traffic stays on it, and its gateway is the
// address at which containers reach services the test process runs (the certificate authority).
import { docker } from './engine';
import { assertNotInterrupted } from './interrupt';

export interface ScenarioNetwork {
  readonly name: string;
  readonly id: string;
  /** Host side of the bridge, as seen from containers. */
  readonly gateway: string;
}

export async function createNetwork(name: string, labels: Record<string, string>): Promise<ScenarioNetwork> {
  assertNotInterrupted(`network ${name}`);
  const network = await docker().createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true });
  const info = await network.inspect();
  const gateway = info.IPAM?.Config?.[0]?.Gateway;
  if (!gateway) throw new Error(`network ${name} has no gateway address (IPAM: ${JSON.stringify(info.IPAM)})`);
  return { name, id: network.id, gateway };
}
