// The chaos environment as files: a compose file, Prometheus's scrape config and the fault proxy's routes,
// all generated from a topology by the same functions the fixture starts a scenario's cluster with
// (relayNodeEnv, etcdCommand, planPeerLinks), so a game day runs exactly the cluster the scenarios prove.
// Pure: `npm run chaos:compose` writes these, a gate compares the committed default with them.
import { stringify } from 'yaml';
import type { Topology } from '../../../topologies';
import { LABEL } from '../../cluster/labels';
import { OTLP_ALIAS, OTLP_PORT } from '../../cluster/otlp-receiver';
import { planClientLinks, planPeerLinks, PROXY_ALIAS } from '../../cluster/peer-links';
import { RELAY_HTTP_PORT } from '../../cluster/ports';
import { etcdCommand, ETCD_DATA_TMPFS, relayNodeEnv } from '../../cluster/specs';

/** The compose project: containers, network and volumes are named after it and labelled with it. */
export const CHAOS_PROJECT = 'omnirelay-chaos';
export const CONTROL_ALIAS = 'chaos-control';
export const CONTROL_PORT = 4000;
export const PROMETHEUS_PORT = 9090;
export const GRAFANA_PORT = 3000;
export const PROXY_API_PORT = 8474;
/** Host ports: node i's HTTP port is published on 127.0.0.1:(NODE_PORT_BASE + i), client link i on PROXY_PORT_BASE + i. */
export const NODE_PORT_BASE = 18080;
export const PROXY_PORT_BASE = 8666;
/** Every image the environment runs is tagged with this, so the committed file names stable references. */
export const CHAOS_TAG = 'chaos';
export const GRAFANA_IMAGE = 'grafana/grafana:11.3.0';
/** Nodes enroll with this token unless `chaos:up` sets CHAOS_BOOTSTRAP_TOKEN (it draws a fresh one). */
const DEFAULT_TOKEN = 'omnirelay-chaos-local';

export const chaosImage = (kind: 'relay-node' | 'etcd' | 'fault-proxy' | 'otlp-receiver' | 'chaos-control' | 'prometheus') =>
  `omnirelay-hyperscale/${kind}:${CHAOS_TAG}`;

/** A route of the fault proxy, as Toxiproxy's /populate takes it. */
export interface ProxyRoute {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
}

/** What the environment publishes on 127.0.0.1, by service. */
export interface ChaosPorts {
  readonly nodes: Readonly<Record<string, number>>;
  /** Client link name → host port (clients of a proxied region dial these). */
  readonly clientLinks: Readonly<Record<string, number>>;
}

export interface ChaosFiles {
  readonly 'docker-compose.chaos.yml': string;
  readonly 'prometheus.yml': string;
  readonly 'proxies.json': string;
  /** The topology as started (after --nodes-per-region): the fault CLI plans against it. */
  readonly 'topology.json': string;
}

export interface ChaosOptions {
  /** How the generating command was invoked, written into the header (`--topology X --nodes-per-region N`). */
  readonly invocation: string;
  /** Where the shared files (rules, dashboards) are, relative to the output folder (`.` for docker/chaos). */
  readonly sharedDir: string;
}

export function chaosPorts(topology: Topology): ChaosPorts {
  return {
    nodes: Object.fromEntries(topology.nodes.map((n, i) => [n.id, NODE_PORT_BASE + i])),
    clientLinks: Object.fromEntries(planClientLinks(topology).map((l, i) => [l.name, PROXY_PORT_BASE + i])),
  };
}

export function proxyRoutes(topology: Topology): ProxyRoute[] {
  const ports = chaosPorts(topology);
  return [
    ...planPeerLinks(topology).map((p) => ({ name: p.name, listen: `0.0.0.0:${p.listenPort}`, upstream: p.upstream })),
    ...planClientLinks(topology).map((l) => ({ name: l.name, listen: `0.0.0.0:${ports.clientLinks[l.name]}`, upstream: l.upstream })),
  ];
}

export type ServiceKind = 'relay-node' | 'etcd' | 'fault-proxy' | 'chaos-control' | 'otlp-receiver' | 'prometheus' | 'grafana';

function labels(topology: Topology, service: string, kind: ServiceKind): Record<string, string> {
  return { [LABEL.suite]: 'true', [LABEL.chaos]: CHAOS_PROJECT, [LABEL.topology]: topology.name, [LABEL.node]: service, [LABEL.service]: kind };
}

const published = (host: number, container: number) => `127.0.0.1:${host}:${container}`;

export function chaosFiles(topology: Topology, options: ChaosOptions): ChaosFiles {
  const ports = chaosPorts(topology);
  const shared = (path: string) => `${options.sharedDir}/${path}`;
  const services: Record<string, unknown> = {};
  for (const member of topology.etcd) {
    services[member.id] = {
      image: chaosImage('etcd'),
      hostname: member.id,
      command: etcdCommand(topology, member, 'chaos'),
      tmpfs: Object.entries(ETCD_DATA_TMPFS).map(([path, opts]) => `${path}:${opts}`),
      // The image assembled offline declares no ports; the fault library probes members on their exposed port.
      expose: ['2379', '2380'],
      labels: labels(topology, member.id, 'etcd'),
    };
  }
  for (const node of topology.nodes) {
    const env = relayNodeEnv(topology, node, {
      bootstrapUrl: `http://${CONTROL_ALIAS}:${CONTROL_PORT}`,
      bootstrapToken: `\${CHAOS_BOOTSTRAP_TOKEN:-${DEFAULT_TOKEN}}`,
      otlpEndpoint: `http://${OTLP_ALIAS}:${OTLP_PORT}`,
    });
    services[node.id] = {
      image: chaosImage('relay-node'),
      hostname: node.id,
      // A seeded defect for a game day's proof (`npm run chaos:up -- --defect <name>`); empty: none.
      environment: { ...env, RELAY_DEFECT: '${CHAOS_DEFECT:-}' },
      ports: [published(ports.nodes[node.id]!, RELAY_HTTP_PORT)],
      labels: labels(topology, node.id, 'relay-node'),
    };
  }
  if (topology.links.length > 0) {
    services[PROXY_ALIAS] = {
      image: chaosImage('fault-proxy'),
      hostname: PROXY_ALIAS,
      ports: [published(PROXY_API_PORT, PROXY_API_PORT), ...Object.values(ports.clientLinks).map((p) => published(p, p))],
      labels: labels(topology, PROXY_ALIAS, 'fault-proxy'),
    };
  }
  services[CONTROL_ALIAS] = {
    image: chaosImage('chaos-control'),
    hostname: CONTROL_ALIAS,
    environment: {
      CHAOS_BOOTSTRAP_TOKEN: `\${CHAOS_BOOTSTRAP_TOKEN:-${DEFAULT_TOKEN}}`,
      CHAOS_PORT: String(CONTROL_PORT),
      ...(topology.links.length > 0 ? { CHAOS_PROXY_API: `http://${PROXY_ALIAS}:${PROXY_API_PORT}`, CHAOS_PROXY_ROUTES: '/etc/chaos/proxies.json' } : {}),
    },
    volumes: ['./proxies.json:/etc/chaos/proxies.json:ro'],
    ports: [published(CONTROL_PORT, CONTROL_PORT)],
    labels: labels(topology, CONTROL_ALIAS, 'chaos-control'),
  };
  services[OTLP_ALIAS] = {
    image: chaosImage('otlp-receiver'),
    hostname: OTLP_ALIAS,
    ports: [published(OTLP_PORT, OTLP_PORT)],
    labels: labels(topology, OTLP_ALIAS, 'otlp-receiver'),
  };
  services.prometheus = {
    image: chaosImage('prometheus'),
    hostname: 'prometheus',
    command: [
      '--config.file=/etc/prometheus/prometheus.yml',
      '--storage.tsdb.path=/prometheus',
      '--storage.tsdb.retention.time=7d',
      // Snapshots for `chaos:collect`; reloads after editing the rules (POST /-/reload).
      '--web.enable-admin-api',
      '--web.enable-lifecycle',
    ],
    volumes: ['./prometheus.yml:/etc/prometheus/prometheus.yml:ro', `${shared('prometheus/rules.yml')}:/etc/prometheus/rules.yml:ro`],
    ports: [published(PROMETHEUS_PORT, PROMETHEUS_PORT)],
    labels: labels(topology, 'prometheus', 'prometheus'),
  };
  services.grafana = {
    image: GRAFANA_IMAGE,
    hostname: 'grafana',
    // Only with a registry: `chaos:up` enables the profile when the image is present or pullable.
    profiles: ['grafana'],
    environment: {
      GF_AUTH_ANONYMOUS_ENABLED: 'true',
      GF_AUTH_ANONYMOUS_ORG_ROLE: 'Admin',
      GF_AUTH_DISABLE_LOGIN_FORM: 'true',
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
    },
    volumes: [`${shared('grafana/provisioning')}:/etc/grafana/provisioning:ro`, `${shared('grafana/dashboards')}:/etc/grafana/dashboards:ro`],
    ports: [published(GRAFANA_PORT, GRAFANA_PORT)],
    labels: labels(topology, 'grafana', 'grafana'),
  };
  const compose = {
    services,
    networks: { default: { labels: { [LABEL.suite]: 'true', [LABEL.chaos]: CHAOS_PROJECT, [LABEL.topology]: topology.name } } },
  };
  const header = [
    `# Generated by \`npm run chaos:compose -- ${options.invocation}\` from topology "${topology.name}": do not edit, regenerate.`,
    '# Start it with `npm run chaos:up` (builds and tags the images first); remove it with `npm run chaos:down`.',
    `# Project ${CHAOS_PROJECT}: plain compose needs \`-p ${CHAOS_PROJECT}\` (the .env beside this file sets it too).`,
    '',
  ].join('\n');
  return {
    'docker-compose.chaos.yml': header + stringify(compose, { lineWidth: 0 }),
    'prometheus.yml': header + stringify(prometheusConfig(topology), { lineWidth: 0 }),
    'proxies.json': `${JSON.stringify(proxyRoutes(topology), null, 2)}\n`,
    'topology.json': `${JSON.stringify(topology, null, 2)}\n`,
  };
}

/** Every relay node's /omnirelay/metrics, etcd's /metrics, the control service's fault gauge and Prometheus itself, every 2 s. */
export function prometheusConfig(topology: Topology): unknown {
  return {
    global: { scrape_interval: '2s', scrape_timeout: '2s', evaluation_interval: '2s', external_labels: { cluster: topology.clusterId } },
    rule_files: ['/etc/prometheus/rules.yml'],
    scrape_configs: [
      {
        job_name: 'relay-nodes',
        metrics_path: '/omnirelay/metrics',
        static_configs: topology.regions
          .map((region) => ({ region, nodes: topology.nodes.filter((n) => n.region === region) }))
          .filter((r) => r.nodes.length > 0)
          .map((r) => ({ targets: r.nodes.map((n) => `${n.id}:${RELAY_HTTP_PORT}`), labels: { region: r.region } })),
        relabel_configs: [{ source_labels: ['__address__'], regex: '([^:]+):.*', target_label: 'node', replacement: '$1' }],
      },
      {
        job_name: 'etcd',
        static_configs: [{ targets: topology.etcd.map((m) => `${m.id}:2379`) }],
        relabel_configs: [{ source_labels: ['__address__'], regex: '([^:]+):.*', target_label: 'node', replacement: '$1' }],
      },
      { job_name: 'chaos-control', static_configs: [{ targets: [`${CONTROL_ALIAS}:${CONTROL_PORT}`] }] },
      { job_name: 'prometheus', static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`] }] },
    ],
  };
}
