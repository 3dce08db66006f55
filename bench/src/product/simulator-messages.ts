/**
 * What the bench and its device simulator say to each other over the IPC channel. The simulator
 * runs in its own process so that neither its memory nor its CPU is mistaken for the server's.
 */
import type { PopulationOpened } from './procedures.js';

export type SimulatorRequest =
  /** Registers `count` devices in the server's registry (directly, not through `device add`). */
  | { readonly type: 'provision'; readonly count: number }
  /** Opens a session for devices 0..count-1, `concurrency` at a time, each from its own source address. */
  | { readonly type: 'open'; readonly count: number; readonly concurrency: number; readonly deadlineMs: number }
  /** Closes every open session and waits for the closes to finish. */
  | { readonly type: 'close' };

export interface OpenedReport extends PopulationOpened {
  readonly type: 'opened';
}

export type SimulatorReply =
  | { readonly type: 'ready' }
  | { readonly type: 'provisioned'; readonly count: number; readonly seconds: number }
  | OpenedReport
  | { readonly type: 'closed'; readonly seconds: number }
  | { readonly type: 'error'; readonly message: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isSimulatorRequest(value: unknown): value is SimulatorRequest {
  if (!isObject(value)) return false;
  switch (value['type']) {
    case 'provision':
      return typeof value['count'] === 'number';
    case 'open':
      return typeof value['count'] === 'number' && typeof value['concurrency'] === 'number' && typeof value['deadlineMs'] === 'number';
    case 'close':
      return true;
    default:
      return false;
  }
}

export function isSimulatorReply(value: unknown): value is SimulatorReply {
  return isObject(value) && ['ready', 'provisioned', 'opened', 'closed', 'error'].includes(String(value['type']));
}
