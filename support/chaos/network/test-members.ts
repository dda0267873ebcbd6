// For the planner's unit tests: a network member with made-up container facts, addressed 10.9.0.<octet>.
import type { Member } from './types';

export const member = (id: string, octet: number): Member => ({
  id,
  containerId: `c-${id}`,
  name: `ohs-x-${id}`,
  pid: 1000 + octet,
  ip: `10.9.0.${octet}`,
  exposedPorts: [8080],
});
