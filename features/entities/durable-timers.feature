@entities
Feature: Durable timers through an owner crash and a drain
  A timer is a record in its shard's log. Whichever node owns the shard when a timer is due fires it,
  once: not before it is due, never after it was cancelled, and also when the node that scheduled it
  crashed and the next owner was drained before the timer came due. The nodes come back before the
  final judgement: the one that scheduled the timers must not fire any of them again.

  @severity:critical
  @catches:timer-not-rearmed-after-failover
  @requires:feature:mesh-entities @requires:feature:mesh-timers
  Scenario: DurableTimers_FireOnceThroughOwnerCrashAndDrain
    Given the "ShardRing" topology is running
    And within 15 seconds every node routes by the same shard map
    When 40 timers are scheduled on shard-21, due evenly over the next 20 seconds
    And 10 of the timers on shard-21 are cancelled before they are due
    And the owner of shard-21 crashes
    Then within 6 seconds shard-21 has a new owner
    When the owner of shard-21 is drained
    Then within 30 seconds every timer on shard-21 has fired or been cancelled
    When the drained node resumes and is ready within 10 seconds
    And the stopped nodes are restarted and ready within 30 seconds
    Then every timer on shard-21 fired exactly once, not before it was due, and no cancelled timer fired
