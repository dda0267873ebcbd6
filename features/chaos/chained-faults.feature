@chaos
Feature: Chained faults
  Faults rarely come alone. Latency on one region's client link, a partition of another region and a
  crashed node overlap; each is bounded and healed. While the partitioned region is cut off from the
  etcd quorum, none of its nodes may go on acting as leader once its lease could have run out; afterwards
  the cluster must be whole again: every node Alive in every view, one leader per scope, a shard map with
  no orphaned shard.

  @severity:critical
  @catches:gossip-left-forever @catches:no-step-down
  @requires:feature:mesh-regional-leaders
  Scenario: ChainedFaults_ClusterConvergesAfterOverlappingFaults
    Given the "GlobalLeaderWithTwoRegions" topology is running
    And within 30 seconds every node sees every other node Alive with its declared role and region
    When these faults run, overlapping, until all have healed:
      | fault                  | target                      | start | duration   |
      | latency 300 ms ± 50 ms | clients → region east       | 0 s   | 12 seconds |
      | partition              | region west / everyone else | 2 s   | 8 seconds  |
      | crash                  | east-3                      | 4 s   | 8 seconds  |
    Then while region "west" was cut off, none of its nodes acted as leader once its lease could have run out
    And within 30 seconds every node sees every other node Alive with its declared role and region
    And within 30 seconds every node reports one global leader and one leader per region, the same in every view
    And within 30 seconds every shard is owned by a node that every node sees Alive
    And no scope ever had two leaders
    And terms and fence tokens only ever increased
