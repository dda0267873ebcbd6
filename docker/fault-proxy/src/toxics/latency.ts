import { attr, type ToxicDefinition } from './types';

/** Each chunk leaves at its read time + latency ± jitter (uniform); chunks stay in order. */
export const latency: ToxicDefinition = {
  attributes: ['latency', 'jitter'],
  async pipe(stub, attributes) {
    const base = attr(attributes, 'latency');
    const jitter = attr(attributes, 'jitter');
    for (;;) {
      const item = await stub.take();
      if (typeof item === 'symbol') return;
      if (item === null) return stub.close();
      const delay = jitter > 0 ? base + Math.floor(Math.random() * 2 * jitter) - jitter : base;
      if (!(await stub.sleep(item.at + delay - performance.now()))) return stub.putBack(item);
      stub.emit(item);
    }
  },
};
