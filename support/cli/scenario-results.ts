// Each scenario's status from cucumber's message stream (reports/cucumber-messages.ndjson), and the first
// step that did not pass: what `npm test` counts and lists.
import { readFile } from 'node:fs/promises';
import { finishedCases, firstLines, parseMessages } from '../evidence/messages';

export const MESSAGES_FILE = 'reports/cucumber-messages.ndjson';

export interface ScenarioResult {
  name: string;
  uri: string;
  tags: string[];
  status: 'passed' | 'failed' | 'skipped' | 'undefined' | 'pending' | 'ambiguous';
  failedStep?: string;
  error?: string;
}

/** The worst status first: a scenario is as bad as its worst step (a skip only when nothing failed). */
const BY_SEVERITY = ['FAILED', 'AMBIGUOUS', 'UNDEFINED', 'PENDING', 'SKIPPED'] as const;

export async function readScenarioResults(path = MESSAGES_FILE): Promise<ScenarioResult[]> {
  return finishedCases(parseMessages(await readFile(path, 'utf8'))).map((c) => {
    const statuses: string[] = c.steps.map((s) => s.result.status);
    const worst = BY_SEVERITY.find((s) => statuses.includes(s));
    const bad = c.steps.find((s) => s.result.status !== 'PASSED');
    const { exception, message } = bad?.result ?? {};
    return {
      name: c.name,
      uri: c.uri,
      tags: [...c.tags],
      status: (worst?.toLowerCase() ?? 'passed') as ScenarioResult['status'],
      ...(bad ? { failedStep: bad.label, error: firstLines(exception ? `${exception.type}: ${exception.message ?? ''}` : (message ?? '')) } : {}),
    };
  });
}
