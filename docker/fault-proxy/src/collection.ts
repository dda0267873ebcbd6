// The set of proxies and the operations the API exposes on it (proxy_collection.go, api.go). Callers run
// these one at a time (api.ts serialises requests), so each sees a consistent state, as under the Go locks.
import { resolveListen } from './address';
import { internal, missingField, proxyAlreadyExists, proxyNotFound } from './errors';
import { asArray, asObject, boolField, stringField, type JsonObject } from './json';
import { errorText, type Logger } from './log';
import { Proxy } from './proxy';

interface ProxyInput {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

function proxyInput(body: JsonObject, position?: number): ProxyInput {
  const at = position === undefined ? '' : ` at proxy ${position}`;
  const name = stringField(body, 'name') ?? '';
  const upstream = stringField(body, 'upstream') ?? '';
  if (name === '') throw missingField(`name${at}`);
  if (upstream === '') throw missingField(`upstream${at}`);
  return { name, upstream, listen: stringField(body, 'listen') ?? '', enabled: boolField(body, 'enabled') ?? true };
}

export class ProxyCollection {
  private readonly proxies = new Map<string, Proxy>();

  constructor(private readonly log: Logger) {}

  /** Sorted by name, as Go's JSON encoder orders map keys. */
  list(): Proxy[] {
    return [...this.proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): Proxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw proxyNotFound();
    return proxy;
  }

  /** Name, then upstream, then uniqueness, then bind; a proxy that cannot bind is not added. */
  async create(input: unknown): Promise<Proxy> {
    const settings = proxyInput(asObject(input, 'toxiproxy.Proxy'));
    if (this.proxies.has(settings.name)) throw proxyAlreadyExists();
    const proxy = new Proxy(settings.name, settings.listen, settings.upstream, this.log);
    if (settings.enabled) await proxy.start();
    this.proxies.set(proxy.name, proxy);
    return proxy;
  }

  /**
   * Validates every entry first; then an entry identical to an existing proxy (same resolved listen and
   * upstream) keeps that proxy and its toxics, a changed one replaces it. Stops at the first runtime error.
   */
  async populate(input: unknown): Promise<Proxy[]> {
    const entries = asArray(input, '[]toxiproxy.Proxy').map((entry, i) => proxyInput(asObject(entry, 'toxiproxy.Proxy'), i + 1));
    const result: Proxy[] = [];
    for (const entry of entries) {
      const existing = this.proxies.get(entry.name);
      if (existing) {
        let resolved: string;
        try {
          resolved = await resolveListen(entry.listen);
        } catch (error) {
          throw internal(errorText(error));
        }
        if (resolved === existing.listen && entry.upstream === existing.upstream) {
          result.push(existing);
          continue;
        }
        await existing.stop();
      }
      const proxy = new Proxy(entry.name, entry.listen, entry.upstream, this.log);
      if (entry.enabled) await proxy.start();
      this.proxies.set(proxy.name, proxy);
      result.push(proxy);
    }
    return result;
  }

  /** Absent fields keep their values. */
  async update(name: string, input: unknown): Promise<Proxy> {
    const proxy = this.get(name);
    const body = asObject(input, 'toxiproxy.Proxy');
    await proxy.update({
      listen: stringField(body, 'listen') ?? proxy.listen,
      upstream: stringField(body, 'upstream') ?? proxy.upstream,
      enabled: boolField(body, 'enabled') ?? proxy.enabled,
    });
    return proxy;
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    this.proxies.delete(name);
    await proxy.stop();
  }

  /** Re-enables every proxy and removes every toxic; the first proxy that cannot bind fails the request. */
  async reset(): Promise<void> {
    for (const proxy of this.proxies.values()) {
      await proxy.start();
      await proxy.toxics.reset();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.stop()));
    this.proxies.clear();
  }
}
