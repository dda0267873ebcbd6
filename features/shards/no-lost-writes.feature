@shards
Feature: No acknowledged write is lost
  A write is acknowledged only once every replica of its shard holds it. So whether the shard's owner
  is drained on purpose or crashes, every acknowledged write survives on the node that takes over, and
  a replica that restarts catches up until it is identical to the owner.

  @severity:critical
  @catches:drain-acks-inflight @catches:drain-hands-over-early-snapshot
  @requires:feature:mesh-entities
  Scenario: GracefulDrain_NoAcknowledgedWriteLost
    Given the "ShardRing" topology is running
    And within 15 seconds every node routes by the same shard map
    When 30 clients replay the "set-adds" traffic through every node for at most 60 seconds
    And at least 300 calls have been acknowledged within 30 seconds
    And the owner of shard-07 is drained
    Then new calls to the drained node are refused with 503 and Retry-After 1
    And within 15 seconds the drained node owns and replicates no shard
    And at least 200 more calls have been acknowledged within 20 seconds
    When the clients stop
    And the drained node resumes and is ready within 10 seconds
    Then no acknowledged add to a set was lost

  @severity:critical
  @catches:ack-before-replication @catches:replicate-skips-first-replica
  @requires:feature:mesh-entities
  Scenario: ShardOwnerCrash_NoAcknowledgedWriteLost
    Given the "ShardRing" topology is running
    And within 15 seconds every node routes by the same shard map
    When 20 clients replay the "counter-and-set" traffic through every node for at most 90 seconds
    And at least 300 calls have been acknowledged within 30 seconds
    And the owner of shard-11 crashes
    Then within 20 seconds shard-11 has a new owner
    And at least 200 more calls have been acknowledged within 20 seconds
    When the clients stop
    And the stopped nodes are restarted and ready within 30 seconds
    Then every counter read was within the acknowledged and attempted increments
    And no acknowledged add to a set was lost

  @catches:replica-never-catches-up @catches:catch-up-skips-triggering-entry
  @catches:ack-before-replication @catches:replicate-skips-first-replica
  @requires:feature:mesh-entities @requires:feature:mesh-replicas
  Scenario: ReplicaRestart_CatchesUpWithOwner
    Given the "ShardRing" topology is running
    And within 15 seconds every node routes by the same shard map
    When 10 clients replay the "counter-and-set" traffic through every node for at most 90 seconds
    And at least 200 calls have been acknowledged within 30 seconds
    And a replica of shard-11 crashes
    Then within 10 seconds the map of shard-11 no longer lists the crashed replica
    When at least 100 more calls have been acknowledged within 20 seconds
    And the stopped nodes are restarted and ready within 30 seconds
    Then within 20 seconds the restarted node is a replica of shard-11 again
    And at least 100 more calls have been acknowledged within 20 seconds
    When the clients stop
    Then within 10 seconds every copy of shard-11 is identical to its owner's
    And no acknowledged add to a set was lost
    And no write to shard-11 was acknowledged while its map still listed the crashed replica
