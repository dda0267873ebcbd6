@entities
Feature: An entity with both traits through a handover and an eviction
  Every entity is versioned: a write names the version it read and is refused when another write got
  there first. An auditable entity also keeps one audit entry per acknowledged change. Eight clients
  update two auditable registers by read-then-write, so many writes name the same version at once.
  Meanwhile an operator hands the registers' shard to another node, and the new owner evicts every
  entity from memory: both traits, and a 1 MiB value written before the move, must come through whole.

  @severity:critical
  @catches:audit-lost-on-handover
  @requires:feature:mesh-entities @requires:feature:mesh-entity-traits @requires:feature:mesh-rebalance @requires:feature:mesh-replicas
  Scenario: EntityTraits_AuditAndVersionsSurviveHandoverAndEviction
    Given the "ShardRing" topology is running
    And within 15 seconds every node routes by the same shard map
    And the registers "a1" and "a2" on shard-21 keep an audit log
    When a 1 MiB value is written to "blob" on shard-21
    And 8 clients replay the "kv-versioned" traffic through every node for at most 90 seconds
    And at least 300 calls have been acknowledged within 30 seconds
    And an operator moves shard-21 to another of its replicas
    Then within 10 seconds every node routes shard-21 to its new owner
    When at least 300 more calls have been acknowledged within 30 seconds
    And the owner of shard-21 evicts its entities from memory
    And at least 300 more calls have been acknowledged within 30 seconds
    And the clients stop
    Then every acknowledged change of an audited register on shard-21 is in its audit log once, in version order
    And no two acknowledged changes on shard-21 claimed the same version
    And the value of "blob" is intact on every copy of its shard
    And within 10 seconds every copy of shard-21 is identical to its owner's
