// A real ScenarioContext (clock, history, fault log, verdicts) with evidence, log and teardown that go
// nowhere, for nouns' unit tests: the parts a noun judges with are the real ones.
import { FaultLog } from '../chaos/faults';
import { OpHistory, ScenarioClock } from '../checks/history';
import type { ScenarioContext } from './context';
import { Verdicts } from './verdicts';

export function testContext(): ScenarioContext {
  const clock = new ScenarioClock();
  const history = new OpHistory(clock);
  const evidence = { attach: async () => {} } as never;
  return {
    clock,
    history,
    faults: new FaultLog(history),
    verdicts: new Verdicts(clock, evidence),
    evidence,
    log: () => {},
    defer: () => {},
    scenarioName: 'test',
  };
}
