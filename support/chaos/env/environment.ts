// The running chaos environment, found by its labels (never by a file a killed CLI may have left stale):
// its containers by service, its network, topology, and where its services are published.
import { resolve } from 'node:path';
import type Docker from 'dockerode';
import { docker } from '../../cluster/engine';
import { LABEL } from '../../cluster/labels';
import { CHAOS_PROJECT, CONTROL_ALIAS, CONTROL_PORT, GRAFANA_PORT, PROMETHEUS_PORT, type ServiceKind } from './compose';

export const CHAOS_FILTER = `${LABEL.chaos}=${CHAOS_PROJECT}`;

export interface ChaosService {
  /** The service's name in the compose file: node id, etcd member, `prometheus`, … */
  readonly service: string;
  readonly containerId: string;
  readonly name: string;
  readonly kind: ServiceKind;
  readonly state: string;
  /** Published 127.0.0.1 port per container port (only while running). */
  readonly ports: ReadonlyMap<number, number>;
}

export interface ChaosEnvironment {
  readonly topology: string;
  readonly network: string;
  /** The compose file the environment was started from (compose's own label). */
  readonly composeFile: string | undefined;
  readonly services: ReadonlyMap<string, ChaosService>;
  readonly createdAt: Date;
}

export class NoChaosEnvironmentError extends Error {
  override name = 'NoChaosEnvironmentError';
  constructor() {
    super(`No chaos environment is running (no container labelled ${CHAOS_FILTER}). Start one with \`npm run chaos:up\`.`);
  }
}

/** The environment's containers (helpers a fault CLI started included), running or not. */
export function chaosContainers(): Promise<Docker.ContainerInfo[]> {
  return docker().listContainers({ all: true, filters: { label: [CHAOS_FILTER] } });
}

export async function findEnvironment(): Promise<ChaosEnvironment> {
  const containers = (await chaosContainers()).filter((c) => c.Labels['com.docker.compose.service']);
  if (containers.length === 0) throw new NoChaosEnvironmentError();
  const services = new Map<string, ChaosService>();
  for (const c of containers) {
    const service = c.Labels[LABEL.node] ?? c.Labels['com.docker.compose.service']!;
    const ports = new Map<number, number>();
    for (const p of c.Ports ?? []) if (p.PublicPort && p.Type === 'tcp') ports.set(p.PrivatePort, p.PublicPort);
    services.set(service, {
      service,
      kind: c.Labels[LABEL.service] as ServiceKind,
      containerId: c.Id,
      name: c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12),
      state: c.State,
      ports,
    });
  }
  const first = containers[0]!;
  const network = Object.keys(first.NetworkSettings?.Networks ?? {})[0] ?? `${CHAOS_PROJECT}_default`;
  // Compose's own labels: v2 records absolute paths, v1 them as given (relative to its working directory).
  const file = first.Labels['com.docker.compose.project.config_files']?.split(',')[0];
  const workdir = first.Labels['com.docker.compose.project.working_dir'] ?? process.cwd();
  return {
    topology: first.Labels[LABEL.topology] ?? '(unknown)',
    network,
    composeFile: file === undefined ? undefined : resolve(workdir, file),
    services,
    createdAt: new Date(Math.min(...containers.map((c) => c.Created)) * 1000),
  };
}

export const PROMETHEUS_URL = `http://127.0.0.1:${PROMETHEUS_PORT}`;
export const CONTROL_URL = `http://127.0.0.1:${CONTROL_PORT}`;
export const GRAFANA_URL = `http://127.0.0.1:${GRAFANA_PORT}`;

/** A service's published URL for one of its container ports. */
export function serviceUrl(env: ChaosEnvironment, service: string, port: number): string {
  const s = env.services.get(service);
  if (!s) throw new Error(`the chaos environment has no service "${service}"; services: ${[...env.services.keys()].join(', ')}`);
  const published = s.ports.get(port);
  if (!published) throw new Error(`service "${service}" (${s.state}) publishes no port for ${port}`);
  return `http://127.0.0.1:${published}`;
}

/** The services of one kind (relay nodes, etcd members, …), sorted by name. */
export function servicesOf(env: ChaosEnvironment, kind: ServiceKind): ChaosService[] {
  return [...env.services.values()].filter((s) => s.kind === kind).sort((a, b) => a.service.localeCompare(b.service));
}

/** The token the environment's nodes enroll with, as chaos-control was started with it. */
export async function bootstrapToken(env: ChaosEnvironment): Promise<string> {
  const control = env.services.get(CONTROL_ALIAS);
  if (!control) throw new Error('the chaos environment has no chaos-control service');
  const vars = (await docker().getContainer(control.containerId).inspect()).Config.Env ?? [];
  const token = vars.find((v) => v.startsWith('CHAOS_BOOTSTRAP_TOKEN='))?.slice('CHAOS_BOOTSTRAP_TOKEN='.length);
  if (!token) throw new Error('chaos-control has no CHAOS_BOOTSTRAP_TOKEN');
  return token;
}
