// Reads cucumber's JSON report: one status per scenario, and the first step that did not pass.
import { readFile } from 'node:fs/promises';

export interface ScenarioResult {
  name: string;
  uri: string;
  tags: string[];
  status: 'passed' | 'failed' | 'skipped' | 'undefined' | 'pending' | 'ambiguous';
  failedStep?: string;
  error?: string;
}

interface JsonStep {
  keyword: string;
  name?: string;
  hidden?: boolean;
  result: { status: string; error_message?: string };
}
interface JsonElement {
  name: string;
  type: string;
  tags?: { name: string }[];
  steps: JsonStep[];
}
interface JsonFeature {
  uri: string;
  elements: JsonElement[];
}

export async function readScenarioResults(path: string): Promise<ScenarioResult[]> {
  const features = JSON.parse(await readFile(path, 'utf8')) as JsonFeature[];
  return features.flatMap((f) =>
    f.elements
      .filter((e) => e.type === 'scenario')
      .map((e) => {
        const bad = e.steps.find((s) => s.result.status !== 'passed');
        const statuses = e.steps.map((s) => s.result.status);
        const status = (['failed', 'ambiguous', 'undefined', 'pending', 'skipped'].find((s) => statuses.includes(s)) ?? 'passed') as ScenarioResult['status'];
        return {
          name: e.name,
          uri: f.uri,
          tags: (e.tags ?? []).map((t) => t.name),
          status,
          failedStep: bad ? `${bad.keyword.trim()} ${bad.name ?? '(hook)'}` : undefined,
          error: bad?.result.error_message?.split('\n').slice(0, 3).join(' ').slice(0, 240),
        };
      }),
  );
}
