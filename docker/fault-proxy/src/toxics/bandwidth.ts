import { attr, type ToxicDefinition } from './types';

/**
 * Limits throughput to `rate` KB/s (1 KB = 1000 B, so rate is also bytes per millisecond). Large chunks go out
 * in pieces of at most 100 ms worth of data, as in the Go server, so the stream stays smooth.
 * rate ≤ 0 lets nothing through until the toxic is changed (the Go server loops forever on it too).
 */
export const bandwidth: ToxicDefinition = {
  attributes: ['rate'],
  async pipe(stub, attributes) {
    const rate = attr(attributes, 'rate');
    let due = performance.now();
    for (;;) {
      const item = await stub.take();
      if (typeof item === 'symbol') return;
      if (item === null) return stub.close();
      if (rate <= 0) {
        stub.putBack(item);
        await stub.sleep(Infinity);
        return;
      }
      let data = item.data;
      while (data.length > 0) {
        const piece = data.subarray(0, rate * 100);
        due = Math.max(due, performance.now()) + piece.length / rate;
        if (!(await stub.sleep(due - performance.now()))) return stub.putBack({ data, at: item.at });
        stub.emit({ data: piece, at: item.at });
        data = data.subarray(piece.length);
      }
    }
  },
};
