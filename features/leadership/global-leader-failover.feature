@leadership
Feature: Global leader failover with regional promotion
  When the global leader stops answering, an operator promotes a region's leader: the incumbent's lease
  is revoked (it cannot release while frozen), the promoted node takes the lease with a higher fence,
  calls that need the global leader are forwarded to it, and the old leader steps down once it resumes.

  @severity:blocker
  @catches:promotion-unfenced @catches:forward-to-first-leader @catches:promotion-revoke-wrong-lease
  @requires:feature:mesh-promotion @requires:feature:mesh-regional-leaders @requires:feature:mesh-sequence
  Scenario: GlobalLeaderFailover_PromoteRegion
    Given the "GlobalLeaderWithTwoRegions" topology is running
    And within 20 seconds every node reports one global leader and one leader per region, the same in every view
    When the global leader is paused for 8 seconds
    And the leader of "west" is promoted to global leader
    Then within 5 seconds the leader of "west" holds the global lease
    And the promotion revoked the old global leader's lease
    And "global::echo" calls sent to every node are served by the global leader
    And the leadership metrics record the change of global leader
    When the pause has ended
    Then within 10 seconds the old global leader has stepped down
    And no scope ever had two leaders
    And terms and fence tokens only ever increased
    And the outcome matches the golden snapshot "global-leader-failover-promote-region"

  @severity:critical
  @catches:sequence-cached @catches:sequence-resume-repeats-last
  @requires:feature:mesh-sequence
  Scenario: ClusterSequence_NeverRepeatsAcrossGlobalFailover
    The leader is lost twice: by a crash, after which the last number it stored may never have been
    answered, and by a graceful shutdown, which answers every number it stored before it lets go, so a
    new leader that hands out a number again is seen every time, not only when the crash timing allows.
    Given the "ShardRing" topology is running
    And within 20 seconds every node reports the same global leader
    And 4 clients draw from the cluster-wide sequence through every node
    And within 10 seconds at least 20 numbers have been drawn
    When the global leader crashes
    Then within 10 seconds a new global leader is elected
    And within 10 seconds at least 40 numbers have been drawn
    When the global leader shuts down gracefully
    Then within 10 seconds a new global leader is elected
    And within 10 seconds at least 60 numbers have been drawn
    When the stopped nodes are restarted and ready within 30 seconds
    And the clients stop
    Then the cluster-wide sequence never repeated a number across at least 60 draws
    And no scope ever had two leaders
