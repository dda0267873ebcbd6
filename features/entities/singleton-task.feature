@entities
Feature: The cluster singleton task moves with its runner and never runs twice
  One background task runs for the whole cluster, on the node that owns its key's shard, and beats.
  When that node is cut off, it must stop before the next node starts; when it crashes, the task moves
  on. Every node is asked every 150 ms whether it runs the task: two nodes seen running in overlapping
  stretches of the suite's own clock are two runners at once, whatever the nodes' clocks say.

  @severity:critical
  @catches:singleton-ignores-lost-fence
  @requires:feature:mesh-entities @requires:feature:mesh-singleton
  Scenario: SingletonTask_MigratesAndNeverRunsTwice
    Given the "ShardRing" topology is running
    And within 15 seconds every node routes by the same shard map
    And the singleton task is watched on every node
    Then within 10 seconds the singleton task runs on exactly one node
    When the singleton task's runner is isolated from the rest of the cluster for 12 seconds
    Then within 10 seconds the singleton task runs on another node
    When the partition has healed
    And the singleton task's runner crashes
    Then within 10 seconds the singleton task runs on another node
    When the stopped nodes are restarted and ready within 30 seconds
    Then the singleton task never ran on two nodes at once, and its fences only rose
