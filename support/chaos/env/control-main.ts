// Entry of the chaos-control image (docker/chaos/control): see control-service.ts. Configured only by
// its environment, which the generated compose file sets.
import { readFileSync } from 'node:fs';
import { ChaosControl } from './control-service';
import type { ProxyRoute } from './compose';

const log = (line: string) => console.log(`${new Date().toISOString()} chaos-control ${line}`);
const token = process.env.CHAOS_BOOTSTRAP_TOKEN;
if (!token) {
  console.error('chaos-control: CHAOS_BOOTSTRAP_TOKEN is required (the token relay nodes join with)');
  process.exit(2);
}
const port = Number(process.env.CHAOS_PORT ?? '4000');
const api = process.env.CHAOS_PROXY_API;
const routesFile = process.env.CHAOS_PROXY_ROUTES;
const routes = routesFile ? (JSON.parse(readFileSync(routesFile, 'utf8')) as ProxyRoute[]) : [];
const control = await ChaosControl.start({ port, token, ...(api ? { proxy: { api, routes } } : {}), log });
log(`listening on ${port}: bootstrap join, fault log, metrics${api ? `; keeping ${routes.length} route(s) on ${api}` : ''}`);
const stop = () => void control.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
