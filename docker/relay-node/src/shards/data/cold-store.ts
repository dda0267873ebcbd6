// Where a shard keeps the entities it evicted from memory: one serialised entity per key, taken back
// when the entity is next touched. Files on the node's disk in the container; a map in unit tests.
// A process starts with an empty directory: shard state is the replicated log's, not the disk's (a
// restarted node recovers from its replicas, shards-data.md), so nothing here outlives the process.
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ColdStore {
  put(key: string, text: string): void;
  /** The text put for `key`, left in place. */
  peek(key: string): string | undefined;
  /** The text put for `key`, removed from the store. */
  take(key: string): string | undefined;
  keys(): IterableIterator<string>;
  has(key: string): boolean;
  /** Forgets every key (the shard's state was replaced by an install). */
  clear(): void;
  readonly size: number;
}

export class MemoryColdStore implements ColdStore {
  private readonly texts = new Map<string, string>();

  put(key: string, text: string): void {
    this.texts.set(key, text);
  }

  peek(key: string): string | undefined {
    return this.texts.get(key);
  }

  take(key: string): string | undefined {
    const text = this.texts.get(key);
    this.texts.delete(key);
    return text;
  }

  keys(): IterableIterator<string> {
    return this.texts.keys();
  }

  has(key: string): boolean {
    return this.texts.has(key);
  }

  clear(): void {
    this.texts.clear();
  }

  get size(): number {
    return this.texts.size;
  }
}

/**
 * One file per evicted entity under `dir`, named by a counter (keys are arbitrary strings; the index
 * maps them). Synchronous on purpose: it runs inside the shard's lock, where an await would let
 * another call see the entity half-loaded.
 */
export class FileColdStore implements ColdStore {
  private readonly files = new Map<string, string>();
  private next = 0;
  private made = false;

  constructor(private readonly dir: string) {
    rmSync(dir, { recursive: true, force: true });
  }

  put(key: string, text: string): void {
    if (!this.made) mkdirSync(this.dir, { recursive: true });
    this.made = true;
    const file = this.files.get(key) ?? join(this.dir, `${(this.next += 1)}.json`);
    writeFileSync(file, text);
    this.files.set(key, file);
  }

  peek(key: string): string | undefined {
    const file = this.files.get(key);
    return file === undefined ? undefined : readFileSync(file, 'utf8');
  }

  take(key: string): string | undefined {
    const file = this.files.get(key);
    if (file === undefined) return undefined;
    const text = readFileSync(file, 'utf8');
    unlinkSync(file);
    this.files.delete(key);
    return text;
  }

  keys(): IterableIterator<string> {
    return this.files.keys();
  }

  has(key: string): boolean {
    return this.files.has(key);
  }

  clear(): void {
    for (const file of this.files.values()) rmSync(file, { force: true });
    this.files.clear();
  }

  get size(): number {
    return this.files.size;
  }
}
