// The chaos environment as Kubernetes objects, generated from a topology by the same functions as the
// compose file (relayNodeEnv, etcdCommand, the proxy routes, the Prometheus config) so both run one cluster:
// a Deployment and a Service per relay node and etcd member (the Service keeps the node id as its DNS
// name, which is what peers, seeds and certificates use), the fault proxy, chaos-control, the OTLP receiver,
// Prometheus with the same rules and Grafana with the same dashboards as ConfigMaps. Pure; written as a
// kustomize base by `npm run chaos:kubernetes`, validated offline by the unit tests.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Topology } from '../../../topologies';
import { LABEL } from '../../cluster/labels';
import { OTLP_ALIAS, OTLP_PORT } from '../../cluster/otlp-receiver';
import { PROXY_ALIAS } from '../../cluster/peer-links';
import { RELAY_GOSSIP_PORT, RELAY_HTTP_PORT } from '../../cluster/ports';
import { etcdCommand, relayNodeEnv } from '../../cluster/specs';
import {
  CHAOS_PROJECT,
  prometheusConfig,
  chaosImage,
  CONTROL_ALIAS,
  CONTROL_PORT,
  GRAFANA_IMAGE,
  PROMETHEUS_PORT,
  PROXY_API_PORT,
  proxyRoutes,
  type ServiceKind,
} from './compose';

/** A Kubernetes object as plain data (kubernetes-models validates it in the tests). */
export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } } & Record<
  string,
  unknown
>;

export interface KubernetesOptions {
  /** Where the shared rules and dashboards are (docker/chaos). */
  readonly chaosDir: string;
  /** The Namespace object's name; the kustomization puts every object in it, an overlay may move them. */
  readonly namespace: string;
}

const TOKEN_SECRET = 'chaos-bootstrap';

export function kubernetesObjects(topology: Topology, opts: KubernetesOptions): KubeObject[] {
  // No metadata.namespace: the kustomization sets it, so an overlay can move everything (and merge into it).
  const meta = (name: string, kind: ServiceKind) => ({
    name,
    labels: {
      'app.kubernetes.io/name': kind,
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/part-of': CHAOS_PROJECT,
      [LABEL.chaos]: CHAOS_PROJECT,
      [LABEL.topology]: topology.name,
    },
  });
  const selector = (name: string) => ({ 'app.kubernetes.io/instance': name, 'app.kubernetes.io/part-of': CHAOS_PROJECT });
  const deployment = (name: string, kind: ServiceKind, container: Record<string, unknown>, volumes: unknown[] = []): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, kind),
    spec: {
      replicas: 1,
      // One identity per node: never two pods of one node, even during a rollout.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector(name) },
      template: {
        metadata: { labels: meta(name, kind).labels },
        spec: { hostname: name, containers: [{ name: kind, imagePullPolicy: 'IfNotPresent', ...container }], ...(volumes.length ? { volumes } : {}) },
      },
    },
  });
  const service = (name: string, kind: ServiceKind, ports: [string, number][]): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, kind),
    spec: { selector: selector(name), ports: ports.map(([portName, port]) => ({ name: portName, port, targetPort: port, protocol: 'TCP' })) },
  });
  const configMap = (name: string, kind: ServiceKind, data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(name, kind),
    data,
  });

  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: opts.namespace, labels: { [LABEL.chaos]: CHAOS_PROJECT } } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(TOKEN_SECRET, 'chaos-control'),
      type: 'Opaque',
      // Replace it in an overlay (kustomize secretGenerator with behavior: replace); see docs/chaos-environment.md.
      stringData: { token: 'replace-me-in-an-overlay' },
    },
  ];
  for (const m of topology.etcd) {
    objects.push(
      deployment(
        m.id,
        'etcd',
        {
          image: chaosImage('etcd'),
          command: etcdCommand(topology, m, 'chaos'),
          ports: [{ containerPort: 2379 }, { containerPort: 2380 }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
        [{ name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '512Mi' } }],
      ),
      service(m.id, 'etcd', [
        ['client', 2379],
        ['peer', 2380],
      ]),
    );
  }
  for (const node of topology.nodes) {
    const env = relayNodeEnv(topology, node, {
      bootstrapUrl: `http://${CONTROL_ALIAS}:${CONTROL_PORT}`,
      bootstrapToken: '',
      otlpEndpoint: `http://${OTLP_ALIAS}:${OTLP_PORT}`,
    });
    objects.push(
      deployment(node.id, 'relay-node', {
        image: chaosImage('relay-node'),
        env: Object.entries({ ...env, RELAY_DEFECT: '' }).map(([name, value]) =>
          name === 'RELAY_BOOTSTRAP_TOKEN' ? { name, valueFrom: { secretKeyRef: { name: TOKEN_SECRET, key: 'token' } } } : { name, value },
        ),
        ports: [
          { name: 'http', containerPort: RELAY_HTTP_PORT },
          { name: 'gossip', containerPort: RELAY_GOSSIP_PORT },
        ],
        readinessProbe: { httpGet: { path: '/readyz', port: RELAY_HTTP_PORT }, periodSeconds: 2 },
      }),
      service(node.id, 'relay-node', [
        ['http', RELAY_HTTP_PORT],
        ['gossip', RELAY_GOSSIP_PORT],
      ]),
    );
  }
  const routes = proxyRoutes(topology);
  if (topology.links.length > 0) {
    const listen = routes.map((r) => Number(r.listen.split(':')[1]));
    objects.push(
      deployment(PROXY_ALIAS, 'fault-proxy', {
        image: chaosImage('fault-proxy'),
        ports: [PROXY_API_PORT, ...listen].map((containerPort) => ({ containerPort })),
      }),
      service(PROXY_ALIAS, 'fault-proxy', [['api', PROXY_API_PORT], ...listen.map((p): [string, number] => [`p${p}`, p])]),
    );
  }
  objects.push(
    configMap('chaos-proxy-routes', 'chaos-control', { 'proxies.json': `${JSON.stringify(routes, null, 2)}\n` }),
    deployment(
      CONTROL_ALIAS,
      'chaos-control',
      {
        image: chaosImage('chaos-control'),
        env: [
          { name: 'CHAOS_BOOTSTRAP_TOKEN', valueFrom: { secretKeyRef: { name: TOKEN_SECRET, key: 'token' } } },
          { name: 'CHAOS_PORT', value: String(CONTROL_PORT) },
          ...(topology.links.length > 0
            ? [
                { name: 'CHAOS_PROXY_API', value: `http://${PROXY_ALIAS}:${PROXY_API_PORT}` },
                { name: 'CHAOS_PROXY_ROUTES', value: '/etc/chaos/proxies.json' },
              ]
            : []),
        ],
        ports: [{ containerPort: CONTROL_PORT }],
        volumeMounts: [{ name: 'routes', mountPath: '/etc/chaos' }],
      },
      [{ name: 'routes', configMap: { name: 'chaos-proxy-routes' } }],
    ),
    service(CONTROL_ALIAS, 'chaos-control', [['http', CONTROL_PORT]]),
    deployment(OTLP_ALIAS, 'otlp-receiver', { image: chaosImage('otlp-receiver'), ports: [{ containerPort: OTLP_PORT }] }),
    service(OTLP_ALIAS, 'otlp-receiver', [['otlp-http', OTLP_PORT]]),
  );
  const prometheusYml = stringify(prometheusConfig(topology), { lineWidth: 0 });
  objects.push(
    configMap('prometheus-config', 'prometheus', {
      'prometheus.yml': prometheusYml,
      'rules.yml': readFileSync(join(opts.chaosDir, 'prometheus/rules.yml'), 'utf8'),
    }),
    deployment(
      'prometheus',
      'prometheus',
      {
        image: chaosImage('prometheus'),
        args: [
          '--config.file=/etc/prometheus/prometheus.yml',
          '--storage.tsdb.path=/prometheus',
          '--storage.tsdb.retention.time=7d',
          '--web.enable-admin-api',
          '--web.enable-lifecycle',
        ],
        ports: [{ containerPort: PROMETHEUS_PORT }],
        volumeMounts: [
          { name: 'config', mountPath: '/etc/prometheus' },
          { name: 'data', mountPath: '/prometheus' },
        ],
      },
      [
        { name: 'config', configMap: { name: 'prometheus-config' } },
        { name: 'data', emptyDir: {} },
      ],
    ),
    service('prometheus', 'prometheus', [['http', PROMETHEUS_PORT]]),
  );
  const grafanaDir = join(opts.chaosDir, 'grafana');
  const dashboards = Object.fromEntries(
    readdirSync(join(grafanaDir, 'dashboards'))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => [f, readFileSync(join(grafanaDir, 'dashboards', f), 'utf8')]),
  );
  objects.push(
    configMap('grafana-datasources', 'grafana', { 'prometheus.yml': readFileSync(join(grafanaDir, 'provisioning/datasources/prometheus.yml'), 'utf8') }),
    configMap('grafana-dashboard-provider', 'grafana', { 'omnirelay.yml': readFileSync(join(grafanaDir, 'provisioning/dashboards/omnirelay.yml'), 'utf8') }),
    configMap('grafana-dashboards', 'grafana', dashboards),
    deployment(
      'grafana',
      'grafana',
      {
        image: GRAFANA_IMAGE,
        env: Object.entries({ GF_AUTH_ANONYMOUS_ENABLED: 'true', GF_AUTH_ANONYMOUS_ORG_ROLE: 'Admin', GF_AUTH_DISABLE_LOGIN_FORM: 'true' }).map(
          ([name, value]) => ({ name, value }),
        ),
        ports: [{ containerPort: 3000 }],
        volumeMounts: [
          { name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources' },
          { name: 'provider', mountPath: '/etc/grafana/provisioning/dashboards' },
          { name: 'dashboards', mountPath: '/etc/grafana/dashboards' },
        ],
      },
      [
        { name: 'datasources', configMap: { name: 'grafana-datasources' } },
        { name: 'provider', configMap: { name: 'grafana-dashboard-provider' } },
        { name: 'dashboards', configMap: { name: 'grafana-dashboards' } },
      ],
    ),
    service('grafana', 'grafana', [['http', 3000]]),
  );
  return objects;
}

/** The kustomize base: every object in one multi-document file, and its kustomization. */
export function kustomizeBase(topology: Topology, opts: KubernetesOptions & { readonly invocation: string }): Record<string, string> {
  const header = `# Generated by \`npm run chaos:kubernetes -- ${opts.invocation}\` from topology "${topology.name}": do not edit, regenerate.\n`;
  return {
    'omnirelay.yaml':
      header +
      kubernetesObjects(topology, opts)
        .map((o) => stringify(o, { lineWidth: 0 }))
        .join('---\n'),
    'kustomization.yaml':
      header + stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: opts.namespace, resources: ['omnirelay.yaml'] }),
  };
}

/** Objects of a rendered multi-document manifest (what `kubectl kustomize` prints). */
export function parseManifest(text: string): KubeObject[] {
  return text
    .split(/^---$/m)
    .map((doc) => parse(doc) as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}
