@authoring
Feature: Three-region failover while the global leader's region is cut off
  An SRE's drill, written from the catalog alone: the global leader's region is cut off from the other
  two and the global leader crashes at the same instant. The other regions elect a new global leader
  within the bound while the cut holds, and once everything has healed every node agrees on one leader
  per scope again.

  @severity:critical
  @catches:campaign-once @catches:slow-campaign
  @requires:feature:mesh-regional-leaders
  Scenario: ThreeRegionFailover_GlobalLeaderDiesWhileItsRegionIsCutOff
    Given the "GlobalLeaderWithTwoRegions" topology is running
    And within 20 seconds every node reports one global leader and one leader per region, the same in every view
    When these faults start:
      | fault     | target                        | start | duration   |
      | crash     | the global leader             | 0 s   | 15 seconds |
      | partition | region global / everyone else | 0 s   | 15 seconds |
    Then within 10 seconds of the leader going down, a new global leader is elected
    When the faults have healed
    Then within 30 seconds every node reports one global leader and one leader per region, the same in every view
    And no scope ever had two leaders
    And terms and fence tokens only ever increased
