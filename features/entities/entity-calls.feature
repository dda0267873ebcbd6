@entities
Feature: Circular calls between entities across shards under load
  Each client sends a message from its entity ping to its entity pong, which replies to ping, which
  replies to pong: a circle across shards, three hops per call, while twenty clients do the same. No
  call may wait on itself (a deadlock shows as calls that time out), each completes within a bound, and
  every message lands in the right inbox exactly once.

  @severity:critical
  @catches:send-holds-entity-lock
  @requires:feature:mesh-entities @requires:feature:mesh-entity-calls
  Scenario: EntityCalls_CircularCallsAcrossShardsCompleteWithoutDeadlock
    Given the "ShardRing" topology is running
    And within 15 seconds every node routes by the same shard map
    When 20 clients replay the "circular-calls" traffic through every node for at most 60 seconds
    And at least 400 calls have been acknowledged within 30 seconds
    And the clients stop
    Then every call between entities completed within 5 seconds and each message was delivered exactly once
