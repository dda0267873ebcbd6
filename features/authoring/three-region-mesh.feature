@authoring
Feature: Three-region mesh from a topology file
  The authoring guide's worked example: a cluster shape described in YAML only
  (topologies/ThreeRegionMesh.yaml) and checked with phrases from the step catalog, no TypeScript.

  @severity:normal
  @catches:eligibility-inverted @catches:gossip-silent
  @requires:feature:mesh-roles @requires:feature:mesh-regional-leaders
  Scenario: ThreeRegionMesh_BootsAsDeclared
    Given the "ThreeRegionMesh" topology is running
    Then every node is ready
    And within 20 seconds every node reports one global leader and one leader per region, the same in every view
    And every leader was declared eligible for its scope
    And within 20 seconds every node sees every other node Alive with its declared role and region
