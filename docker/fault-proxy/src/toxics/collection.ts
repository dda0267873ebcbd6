// A proxy's toxics: one ordered chain per direction, applied to every live connection the moment it changes.
import { toxicNotFound } from '../errors';
import { parseNewToxic, parseToxicUpdate, type Toxic } from './toxic';
import type { Direction } from './types';

/** One direction of one live connection (stream/link.ts). */
export interface LinkHandle {
  readonly direction: Direction;
  append(toxic: Toxic): void;
  restart(name: string): Promise<void>;
  remove(name: string): Promise<void>;
}

export class ToxicCollection {
  private readonly chains: Record<Direction, Toxic[]> = { upstream: [], downstream: [] };
  private readonly links = new Set<LinkHandle>();

  /** A snapshot for a new connection. */
  chain(direction: Direction): readonly Toxic[] {
    return [...this.chains[direction]];
  }

  /** Upstream toxics first, then downstream, each in the order added. */
  list(): Toxic[] {
    return [...this.chains.upstream, ...this.chains.downstream];
  }

  get(name: string): Toxic | undefined {
    return this.list().find((toxic) => toxic.name === name);
  }

  attach(link: LinkHandle): void {
    this.links.add(link);
  }

  detach(link: LinkHandle): void {
    this.links.delete(link);
  }

  add(body: unknown): Toxic {
    const toxic = parseNewToxic(body, (name) => this.get(name) !== undefined);
    this.chains[toxic.direction].push(toxic);
    for (const link of this.linksFor(toxic.direction)) link.append(toxic);
    return toxic;
  }

  async update(name: string, body: unknown): Promise<Toxic> {
    const toxic = this.require(name);
    const next = parseToxicUpdate(toxic, body);
    toxic.attributes = next.attributes;
    toxic.toxicity = next.toxicity;
    // Restarting re-reads the attributes and re-draws toxicity on every live connection.
    await Promise.all(this.linksFor(toxic.direction).map((link) => link.restart(name)));
    return toxic;
  }

  async remove(name: string): Promise<void> {
    const toxic = this.require(name);
    const chain = this.chains[toxic.direction];
    chain.splice(chain.indexOf(toxic), 1);
    await Promise.all(this.linksFor(toxic.direction).map((link) => link.remove(name)));
  }

  async reset(): Promise<void> {
    for (const toxic of this.list()) await this.remove(toxic.name);
  }

  private require(name: string): Toxic {
    const toxic = this.get(name);
    if (!toxic) throw toxicNotFound();
    return toxic;
  }

  private linksFor(direction: Direction): LinkHandle[] {
    return [...this.links].filter((link) => link.direction === direction);
  }
}
