import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unhookSteps } from './heal-all';

test("heal after a killed CLI removes exactly the game day's chains: unhook, flush, delete", () => {
  const listing = [
    '-P INPUT ACCEPT',
    '-P OUTPUT ACCEPT',
    '-N OHS-CHAOS-1-IN',
    '-N OHS-CHAOS-1-OUT',
    '-N OHS-FAULT-1-IN',
    '-A INPUT -j OHS-CHAOS-1-IN',
    '-A OUTPUT -j OHS-CHAOS-1-OUT',
    '-A INPUT -j OHS-FAULT-1-IN',
    '-A OHS-CHAOS-1-IN -s 172.18.0.5/32 -j DROP',
  ].join('\n');
  assert.deepEqual(unhookSteps(listing, 'OHS-CHAOS'), [
    {
      run: [
        ['-D', 'INPUT', '-j', 'OHS-CHAOS-1-IN'],
        ['-D', 'OUTPUT', '-j', 'OHS-CHAOS-1-OUT'],
      ],
    },
    {
      run: [
        ['-F', 'OHS-CHAOS-1-IN'],
        ['-X', 'OHS-CHAOS-1-IN'],
      ],
    },
    {
      run: [
        ['-F', 'OHS-CHAOS-1-OUT'],
        ['-X', 'OHS-CHAOS-1-OUT'],
      ],
    },
  ]);
  assert.deepEqual(unhookSteps('-P INPUT ACCEPT\n-N OHS-FAULT-2-IN\n', 'OHS-CHAOS'), []);
});
