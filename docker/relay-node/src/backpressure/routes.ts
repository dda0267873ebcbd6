// GET /control/pressure (feature:mesh-backpressure): this node's pressure, every member's as gossip
// shows it, and on the global-control holder the record of every episode it has seen. Like the
// other control views it needs `x-mesh-scope` with mesh.read (or mesh.operate), else 403 problem+json.
import type { RouteHandler } from '../http/server';
import { writeJson } from '../http/respond';
import { MESH_OPERATE, MESH_READ, problem } from '../shards/control/routes';
import { hasScope } from '../shards/data/routes';
import type { PressureReport } from './service';

export const PRESSURE_PATH = '/control/pressure';
const READ_SCOPES = [MESH_READ, MESH_OPERATE];

export function createPressureRoutes(report: () => PressureReport): RouteHandler {
  return async (req, res, url) => {
    if (url.pathname !== PRESSURE_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    req.resume();
    if (!hasScope(req, READ_SCOPES)) {
      problem(res, 403, 'shards.control.scope.missing', `header x-mesh-scope must contain ${READ_SCOPES.join(' or ')}`, { required: READ_SCOPES.join(' ') });
      return true;
    }
    writeJson(res, 200, report());
    return true;
  };
}
