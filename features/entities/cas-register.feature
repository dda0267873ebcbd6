@entities
Feature: Compare-and-set register through an owner partition
  A compare-and-set is a read and a write that no other call may come between. Ten clients move two
  registers on by compare-and-set from the value each last saw, so many calls expect the same value at
  once: exactly one of them may apply. Meanwhile the owner of the registers' shard is cut off and the
  majority moves the shard away from it. Every answer, applied, not applied (with the value found) or
  unknown, must fit one order of the calls, as a single register would.

  @severity:critical
  @catches:cas-not-atomic
  @requires:feature:mesh-entities @requires:feature:mesh-kv-cas
  Scenario: CasRegister_LinearizableThroughOwnerPartition
    Given the "ShardRing" topology is running
    And within 15 seconds every node routes by the same shard map
    When 10 clients replay the "kv-cas" traffic through every node for at most 90 seconds
    And at least 200 calls have been acknowledged within 30 seconds
    And the owner of shard-21 is isolated from the rest of the cluster for 12 seconds
    Then within 6 seconds shard-21 has a new owner
    When the partition has healed
    And at least 100 more calls have been acknowledged within 20 seconds
    And the clients stop
    Then the key-value history of shard-21 is linearizable
