import { attr, type ToxicDefinition } from './types';

/**
 * Splits each chunk into writes of average_size ± size_variation bytes, waiting `delay` microseconds after each.
 * average_size ≤ 0 leaves chunks whole (the Go server recurses forever on it).
 */
export const slicer: ToxicDefinition = {
  attributes: ['average_size', 'size_variation', 'delay'],
  async pipe(stub, attributes) {
    const average = attr(attributes, 'average_size');
    const variation = Math.max(0, attr(attributes, 'size_variation'));
    const delayMs = attr(attributes, 'delay') / 1000;
    for (;;) {
      const item = await stub.take();
      if (typeof item === 'symbol') return;
      if (item === null) return stub.close();
      let data = item.data;
      while (data.length > 0) {
        const wanted = average > 0 ? average + Math.floor(Math.random() * (2 * variation + 1)) - variation : data.length;
        const size = Math.min(data.length, Math.max(1, wanted));
        stub.emit({ data: data.subarray(0, size), at: item.at });
        data = data.subarray(size);
        if (delayMs > 0 && !(await stub.sleep(delayMs))) {
          if (data.length > 0) stub.putBack({ data, at: item.at });
          return;
        }
      }
    }
  },
};
