@chaos
Feature: Membership surge
  Nodes join a region and leave it again while clients write, as an autoscaler adds capacity for a
  burst and takes it away. Gossip must converge on the truth: every declared node Alive, every node
  that left Left. The shard map must settle on the declared nodes, and no acknowledged write may be lost
  while shards move onto the newcomers and back off them.

  @severity:critical
  @catches:drained-member-stays-suspect
  @requires:feature:mesh-entities @requires:feature:mesh-replicas
  Scenario: MembershipSurge_NodesJoinAndLeaveWhileClientsWrite
    Given the "GlobalLeaderWithTwoRegions" topology is running
    And within 15 seconds every node routes by the same shard map
    When 16 clients at 200 calls per second replay the "kv-write-once" traffic from region "west" for at most 120 seconds
    And at least 500 calls have been acknowledged within 30 seconds
    And 3 new nodes join region "east" one every 2 seconds, stay for 8 seconds, and leave again at the same pace
    Then within 20 seconds every node sees the declared nodes Alive and every node that left Left
    And within 15 seconds every node routes by the same shard map
    When the clients stop
    Then no acknowledged key-value write was lost
    And no scope ever had two leaders
