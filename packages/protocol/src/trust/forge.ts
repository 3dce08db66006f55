import { createRequire } from 'node:module';
import type Forge from 'node-forge';

/**
 * node-forge, loaded on first use. Only the server's development CA needs it, yet importing it
 * costs every process ~8 MB of RSS and start-up time, the agent included (issue 7: agent at rest
 * under 60 MB).
 */
export type NodeForge = typeof Forge;

let loaded: NodeForge | undefined;

export function loadForge(): NodeForge {
  loaded ??= createRequire(import.meta.url)('node-forge') as NodeForge;
  return loaded;
}
