// What every bench section shares: the images and CA the suite prepared, the progress line, and two
// helpers (a median, a wait for the shard map to settle).
import type { Cluster } from '../../cluster/cluster';
import type { SuiteImages } from '../../cluster/images/recipes';
import { eventually, judge } from '../../checks/eventually';
import type { CertificateAuthority } from '../../tls';

export interface BenchEnv {
  readonly images: SuiteImages;
  readonly ca: CertificateAuthority;
  /** A progress line on stderr (stdout carries only the figures). */
  readonly say: (line: string) => void;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Waits until every node of `cluster` reports the same published shard map. */
export async function mapPublished(cluster: Cluster): Promise<void> {
  await eventually(
    `every node of ${cluster.topology.name} reports the same published shard map`,
    () =>
      Promise.all(
        cluster.relayNodes.map((n) =>
          n
            .shards()
            .then((v) => v.version)
            .catch(() => -1),
        ),
      ),
    (versions) => judge(versions.every((v) => v >= 1 && v === versions[0]) ? [] : [`map versions ${versions.join(', ')}`]),
    { timeoutMs: 60_000 },
  );
}
