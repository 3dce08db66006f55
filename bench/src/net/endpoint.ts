/** A TCP address the load generator dials; every path ends in a pair of these. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export function formatEndpoint(e: Endpoint): string {
  return `${e.host}:${e.port}`;
}
