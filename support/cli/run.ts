// Runs a child command with inherited stdin/stderr, echoing and capturing stdout.
import { spawn } from 'node:child_process';

export interface Ran {
  code: number;
  stdout: string;
  ms: number;
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, echo = true): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['inherit', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (echo) process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, ms: Date.now() - started }));
  });
}

/** The local binary of a dependency (node_modules/.bin), run with the current Node. */
export function bin(name: string): string {
  return new URL(`../../node_modules/.bin/${name}`, import.meta.url).pathname;
}
