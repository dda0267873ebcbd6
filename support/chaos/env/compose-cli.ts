// Which compose runs the environment: `docker compose` (v2, what most people have) or `docker-compose`
// (v1, all Debian ships). The generated file uses only what both understand (no top-level `name`, no
// inline configs); the project name is always passed, so both name containers after the same project.
import { spawn, spawnSync } from 'node:child_process';
import { CHAOS_PROJECT } from './compose';

export interface Compose {
  readonly command: readonly string[];
  readonly version: string;
}

/** The first compose that answers `version`; an error saying how to get one when neither does. */
export function findCompose(): Compose {
  const candidates: string[][] = [['docker', 'compose'], ['docker-compose']];
  for (const command of candidates) {
    const probe = spawnSync(command[0]!, [...command.slice(1), 'version', '--short'], { encoding: 'utf8', timeout: 15_000 });
    if (probe.status === 0 && probe.stdout.trim()) return { command, version: probe.stdout.trim() };
  }
  throw new Error(
    'Neither `docker compose` (v2) nor `docker-compose` (v1) is installed.\n' +
      'Fix: install the compose plugin (Docker Desktop has it; Linux: the docker-compose-plugin package) or Debian/Ubuntu `sudo apt-get install docker-compose`.',
  );
}

/**
 * Runs `compose -p omnirelay-chaos -f <file> <args>` with its output passed through (prefixed), resolving
 * with the exit code; `env` adds variables the file interpolates (CHAOS_BOOTSTRAP_TOKEN, CHAOS_DEFECT).
 */
export function runCompose(compose: Compose, file: string, args: readonly string[], env: Record<string, string> = {}, quiet = false): Promise<number> {
  const [bin, ...pre] = compose.command;
  return new Promise((resolve, reject) => {
    const child = spawn(bin!, [...pre, '-p', CHAOS_PROJECT, '-f', file, ...args], {
      env: { ...process.env, ...env },
      stdio: quiet ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (quiet && code !== 0) process.stderr.write(stderr);
      resolve(code ?? 1);
    });
  });
}
