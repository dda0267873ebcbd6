@chaos
Feature: Chained faults
  Faults rarely come alone. Latency on one region's client link, a partition of another region and a
  crashed node overlap; each is bounded and healed, and afterwards the cluster must be whole again:
  every node Alive in every view, one leader per scope, a shard map with no orphaned shard.

  @severity:critical
  @catches:gossip-left-forever
  @requires:feature:mesh-regional-leaders
  Scenario: ChainedFaults_ClusterConvergesAfterOverlappingFaults
    Given the "GlobalLeaderWithTwoRegions" topology is running
    And within 30 seconds every node sees every other node Alive with its declared role and region
    When these faults run, overlapping, until all have healed:
      | fault                  | target                      | start | duration   |
      | latency 300 ms ± 50 ms | clients → region east       | 0 s   | 12 seconds |
      | partition              | region west / everyone else | 2 s   | 8 seconds  |
      | crash                  | east-3                      | 4 s   | 8 seconds  |
    Then within 30 seconds every node sees every other node Alive with its declared role and region
    And within 30 seconds every node reports one global leader and one leader per region, the same in every view
    And within 30 seconds every shard is owned by a node that every node sees Alive
    And no scope ever had two leaders
    And terms and fence tokens only ever increased
