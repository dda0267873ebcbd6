import { attr, type ToxicDefinition } from './types';

/** On the first data (or end) in this direction, waits `timeout` ms, then resets both sockets (TCP RST). */
export const resetPeer: ToxicDefinition = {
  attributes: ['timeout'],
  async pipe(stub, attributes) {
    const item = await stub.take();
    if (typeof item === 'symbol') return;
    if (!(await stub.sleep(attr(attributes, 'timeout')))) return stub.putBack(item);
    stub.reset();
  },
};
