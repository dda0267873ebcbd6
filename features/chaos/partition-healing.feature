@chaos
Feature: Partition healing
  When the global leader's side of the cluster is cut off from a region, each side's gossip view marks
  the other side Suspect and then Left. After the heal every node must see every node Alive again, the
  shard map must agree everywhere, and no shard may be left with an owner that some node cannot see.

  @severity:critical
  @catches:gossip-left-forever
  Scenario: PartitionHealing_GossipConvergence
    Given the "GlobalLeaderWithTwoRegions" topology is running
    And within 30 seconds every node sees every other node Alive with its declared role and region
    And within 15 seconds every node routes by the same shard map
    When the network is split for 10 seconds:
      | group  | members                    |
      | leader | region global, region east |
      | west   | region west                |
    Then within 10 seconds the gossip views on the two sides of the split have diverged
    When the partition has healed
    Then within 30 seconds every node sees every other node Alive with its declared role and region
    And within 30 seconds every shard is owned by a node that every node sees Alive
    And no scope ever had two leaders
