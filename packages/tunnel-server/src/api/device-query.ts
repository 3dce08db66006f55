import { DEVICE_STATUSES, type DeviceStatus } from '../presence/device-status.js';
import type { DeviceView } from '../views/device-view.js';

/** The device list's filters and page, from the query string of GET /v1/devices. */
export interface DeviceQuery {
  status: DeviceStatus | '';
  fleet: string;
  /** Case-insensitive: part of the name or fleet, or the start of the uuid. */
  search: string;
  offset: number;
  /** Undefined: every match (the CLI's `device list` wants them all). */
  limit: number | undefined;
}

export const MAX_PAGE = 500;

/** A query, or what is wrong with it. */
export function parseDeviceQuery(params: URLSearchParams): DeviceQuery | string {
  const status = params.get('status') ?? '';
  if (status !== '' && !DEVICE_STATUSES.includes(status as DeviceStatus)) return `status must be one of ${DEVICE_STATUSES.join(', ')}, got "${status}"`;
  const offset = params.get('offset') ?? '0';
  if (!/^\d{1,9}$/.test(offset)) return `offset must be a whole number from 0, got "${offset}"`;
  const limit = params.get('limit');
  if (limit !== null && (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE)) return `limit must be a whole number from 1 to ${MAX_PAGE}, got "${limit}"`;
  return {
    status: status as DeviceStatus | '',
    fleet: params.get('fleet') ?? '',
    search: (params.get('q') ?? '').trim().toLowerCase(),
    offset: Number(offset),
    limit: limit === null ? undefined : Number(limit),
  };
}

export function matchesQuery(v: DeviceView, q: DeviceQuery): boolean {
  if (q.status !== '' && v.status !== q.status) return false;
  if (q.fleet !== '' && v.fleet !== q.fleet) return false;
  if (q.search === '') return true;
  return v.uuid.startsWith(q.search) || v.name.toLowerCase().includes(q.search) || (v.fleet ?? '').toLowerCase().includes(q.search);
}

/** The page of the matches the query asks for. */
export function page<T>(matches: T[], q: DeviceQuery): T[] {
  return q.limit === undefined ? matches.slice(q.offset) : matches.slice(q.offset, q.offset + q.limit);
}
