@leadership
Feature: Leases under clock skew
  Nodes' clocks disagree, drift and step (an NTP correction, a VM resumed, an operator). A lease must
  stay safe whatever the clocks say, within the bound relay-node's README states: any offset or step,
  and drift slower than guard/TTL (8.3 % at the suite's 3-second leases). The leader whose clock steps
  back 20 seconds and runs 5 % slow is then cut off from everyone: it must stop acting before etcd hands
  the lease to another node. While clocks are skewed the verdicts use the suite's own observation
  times, never the instants the nodes report.

  @severity:critical
  @catches:lease-expiry-by-wall-clock
  @requires:feature:mesh-clock-skew
  Scenario: ClockSkew_LeaderClockStepsBackThenIsolated_NoTwoHolders
    Given the "ShardRing" topology is running
    And within 20 seconds every node reports the same global leader
    When these faults start:
      | fault                       | target                            | start | duration   |
      | clock skew -20 s drift -5 % | the global leader                 | 0 s   | 20 seconds |
      | partition                   | the global leader / everyone else | 2 s   | 10 seconds |
    Then within 10 seconds a new global leader is elected
    When the faults have healed
    Then within 20 seconds every node reports the same global leader
    And no scope ever had two leaders
    And terms and fence tokens only ever increased
