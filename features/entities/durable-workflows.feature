@entities
Feature: Durable workflows resume after their owner crashes
  A workflow's steps each add to a counter of their own on some shard, and each step is journaled in
  the workflow's shard. When the owner crashes mid-run, the next owner resumes every workflow from its
  journal: a completed step is not run again, and a step whose outcome was lost with the owner is run
  again with the same idempotency key, which the counter drops. A failed workflow is retried from the
  step that failed. In the end every counter holds exactly one add.

  @severity:critical
  @catches:activity-reexecuted-on-replay
  @requires:feature:mesh-entities @requires:feature:mesh-workflows
  Scenario: DurableWorkflows_ResumeAfterOwnerCrashWithoutRepeatingActivities
    Given the "ShardRing" topology is running
    And within 15 seconds every node routes by the same shard map
    When 6 workflows of 12 steps, 300 milliseconds each, are started on shard-21, the first failing at step 8
    And within 10 seconds every workflow on shard-21 has run at least 3 steps
    And the owner of shard-21 crashes
    Then within 6 seconds shard-21 has a new owner
    And within 30 seconds every workflow on shard-21 has completed or failed
    When the failed workflows on shard-21 are retried
    Then within 15 seconds every workflow on shard-21 has completed
    When the stopped nodes are restarted and ready within 30 seconds
    Then every activity of every workflow on shard-21 was applied exactly once, in journal order
