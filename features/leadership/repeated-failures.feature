@leadership
Feature: Repeated leader failures
  Leaders that keep failing, one after another or two at a time, still leave the cluster with exactly
  one leader, and every new lease carries a higher term and fence token than the last.

  @severity:critical
  @catches:term-reuse
  Scenario: ThreeLeaderFailures_EndWithOneLeaderAndIncreasingTerms
    Given the "ShardRing" topology is running
    And within 20 seconds every node reports the same global leader
    When the global leader crashes 3 times in a row, each time replaced within 10 seconds
    And the stopped nodes are restarted and ready within 30 seconds
    Then within 20 seconds every node reports the same global leader
    And terms and fence tokens only ever increased
    And no scope ever had two leaders

  @severity:normal
  @catches:campaign-once @catches:term-reuse
  Scenario: TwoNodesFailAtOnce_SurvivorsConverge
    Given the "ShardRing" topology is running
    And within 20 seconds every node reports the same global leader
    When the global leader and one other node crash at the same time
    Then within 10 seconds a new global leader is elected
    When the stopped nodes are restarted and ready within 30 seconds
    Then within 20 seconds every node reports the same global leader
    And terms and fence tokens only ever increased
    And no scope ever had two leaders
    And every election completed within the election window
