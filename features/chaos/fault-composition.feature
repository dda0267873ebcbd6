@chaos
Feature: Faults composed on the same node
  Drills combine faults on the same members, often at the same instant: a node crashes just as its
  region is cut off. Whichever fault starts first, both take effect: the crashed node is cut off already,
  and when it restarts inside the partition's window it is cut off like the rest of its group. Once
  everything has healed the cluster is whole again.

  @severity:critical
  @catches:gossip-left-forever
  @requires:feature:mesh-regional-leaders
  Scenario: CrashAndPartition_SameNodeAtTheSameInstant
    Given the "GlobalLeaderWithTwoRegions" topology is running
    And within 30 seconds every node sees every other node Alive with its declared role and region
    When these faults run, overlapping, until all have healed:
      | fault     | target                      | start | duration  |
      | crash     | west-3                      | 0 s   | 5 seconds |
      | partition | region west / everyone else | 0 s   | 8 seconds |
    And these faults run, overlapping, until all have healed:
      | fault     | target                      | start | duration  |
      | partition | region east / everyone else | 0 s   | 8 seconds |
      | crash     | east-3                      | 0 s   | 5 seconds |
    Then within 30 seconds every node sees every other node Alive with its declared role and region
    And within 30 seconds every node reports one global leader and one leader per region, the same in every view
    And no scope ever had two leaders
    And terms and fence tokens only ever increased
