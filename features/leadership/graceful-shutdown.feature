@leadership
Feature: Graceful leader shutdown
  A leader that is asked to stop releases its lease on the way out, so the next leader is elected at
  once instead of after the lease expires. The lease here is long (8 s) so the two cannot be confused.

  @severity:normal
  @catches:no-release-on-shutdown
  Scenario: GracefulShutdown_HandsOverByRelease
    Given the "ShardRing" topology is running with timers:
      | leaseTtlMs | 8000 |
    And within 20 seconds every node reports the same global leader
    When the global leader shuts down gracefully
    Then within 4 seconds a new global leader is elected
    When the stopped nodes are restarted and ready within 30 seconds
    Then within 20 seconds every node reports the same global leader
    And no scope ever had two leaders
    And terms and fence tokens only ever increased

  @severity:normal
  @catches:no-release-on-shutdown
  Scenario: GracefulRestart_NamedNodesComeBack
    Given the "ShardRing" topology is running with timers:
      | leaseTtlMs | 8000 |
    And within 20 seconds every node reports the same global leader
    When the global leader is stopped gracefully
    Then within 4 seconds a new global leader is elected
    When the previous global leader is started again and ready within 30 seconds
    And "ring-3" is restarted gracefully and ready within 30 seconds
    Then within 30 seconds every node sees every other node Alive with its declared role and region
    And within 20 seconds every node reports the same global leader
    And no scope ever had two leaders
    And terms and fence tokens only ever increased
