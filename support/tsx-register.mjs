// Loaded first by cucumber.js: registers tsx's ESM hooks so that every later support and step file can be
// TypeScript. (cucumber's `loader` option cannot host tsx's hooks on Node 24; registering here can.)
import { register } from 'tsx/esm/api';

register();
