@shards
Feature: Linearizable key-value through a partition
  While the owner of a shard is cut off from the rest of the cluster, the majority moves the shard to
  a replica. The cut-off owner must not answer reads from its stale copy: every read in the history
  sees the latest completed write, as a single register would. Besides the clients' mix, a key nobody
  else uses is written through the new owner and read through the cut-off one while the cut holds, so
  a stale read is in the history whenever the old owner serves its copy, not only when timing allows.

  @severity:critical
  @catches:kv-stale-read @catches:read-barrier-ignores-unreachable
  @requires:feature:mesh-entities
  Scenario: KeyValue_LinearizableThroughOwnerPartition
    Given the "ShardRing" topology is running
    And within 15 seconds every node routes by the same shard map
    When 10 clients replay the "kv-register" traffic through every node for at most 90 seconds
    And at least 200 calls have been acknowledged within 30 seconds
    And the owner of shard-21 is isolated from the rest of the cluster for 12 seconds
    Then within 6 seconds shard-21 has a new owner
    When within 3 seconds a new key of shard-21 is written through the new owner and then read through the cut-off original owner
    And the partition has healed
    And at least 100 more calls have been acknowledged within 20 seconds
    And the clients stop
    Then the key-value history of shard-21 is linearizable
