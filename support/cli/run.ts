// Runs a child command with inherited stdin/stderr, echoing and capturing stdout.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

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

/** Runs `main` when this module is the script node was started with; its resolved code is the exit code. */
export function runWhenMain(moduleUrl: string, main: (args: string[]) => Promise<number>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(resolve(process.argv[1])).href) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(2);
    },
  );
}
