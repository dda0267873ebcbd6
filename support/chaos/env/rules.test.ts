import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CHAOS_DIR } from './files';
import { promtool } from './prometheus-image';

// promtool comes from Debian's prometheus package, unpacked by docker/chaos/prometheus/unpack-debian.sh
// (CI runs it); elsewhere the test says how to get it, and fails under CI rather than pass unseen.
const tool = promtool();
test(
  'promtool test rules: every alert rule fires on trouble and stays quiet otherwise',
  { skip: !tool && !process.env.CI && 'no promtool: bash docker/chaos/prometheus/unpack-debian.sh' },
  () => {
    assert.ok(tool, 'promtool is missing: bash docker/chaos/prometheus/unpack-debian.sh');
    const run = spawnSync(tool, ['test', 'rules', join(CHAOS_DIR, 'prometheus/rules.test.yml')], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const check = spawnSync(tool, ['check', 'rules', join(CHAOS_DIR, 'prometheus/rules.yml')], { encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}\n${check.stderr}`);
  },
);
