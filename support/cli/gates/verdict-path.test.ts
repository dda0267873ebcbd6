import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeVerdictPath, verdictPathProblems } from './verdict-path';

const fixture = fileURLToPath(new URL('./fixtures/verdict-path', import.meta.url));

test('a chai import and a bare eventually() in the scenario layer are named by file and line', () => {
  const problems = verdictPathProblems(fixture);
  assert.deepEqual(
    problems.map((p) => p.at),
    ['support/scenario/nouns/stray.ts:2', 'support/scenario/nouns/stray.ts:7'],
  );
  assert.match(describeVerdictPath(problems), /2 check\(s\) outside the verdict API[^]*stray\.ts:2: imports chai[^]*stray\.ts:7: calls eventually\(\)/);
});

test('the suite itself judges and waits only through the verdict API', () => {
  const problems = verdictPathProblems(process.cwd());
  assert.deepEqual(problems, [], describeVerdictPath(problems));
});
