import { createRequire } from 'node:module';
import type Forge from 'node-forge';

/**
 * node-forge, loaded on first use. Only the server's development CA needs it, yet importing it
 * costs every process ~8 MB of RSS and start-up time, the agent included (issue 7: agent at rest
 * under 60 MB).
 */
export type NodeForge = typeof Forge;

let loaded: NodeForge | undefined;

/** For the certificate generators (asynchronous anyway): a dynamic import that bundlers keep. */
export async function loadForge(): Promise<NodeForge> {
  loaded ??= ((await import('node-forge')) as { default: NodeForge }).default;
  return loaded;
}

/**
 * For code handed a node-forge object, whose caller has node-forge loaded already: the module is
 * then in require's cache and this costs nothing.
 */
export function forgeSync(): NodeForge {
  loaded ??= createRequire(import.meta.url)('node-forge') as NodeForge;
  return loaded;
}
