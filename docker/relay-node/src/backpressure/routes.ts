// GET /control/pressure (feature:mesh-backpressure): this node's pressure, every member's as gossip
// shows it, and on the global-control holder the record of every episode it has seen. Like the
// other control views it needs `x-mesh-scope` with mesh.read (or mesh.operate), else 403 problem+json.
import { writeJson } from '../http/respond';
import { MESH_READ, type Route } from '../http/routes';
import type { PressureReport } from './service';

export const PRESSURE_PATH = '/control/pressure';

export function pressureRoutes(report: () => PressureReport): Route[] {
  return [
    {
      method: 'GET',
      path: PRESSURE_PATH,
      scopes: MESH_READ,
      handle: (req, res) => {
        req.resume();
        writeJson(res, 200, report());
      },
    },
  ];
}
