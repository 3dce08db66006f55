/**
 * Host-name suffixes that name a device rather than a machine on the network, as the balena
 * proxy and its VPN did: `3f2a9c1.balena`, `<uuid>.vpn`. Tools that only take host names
 * (ssh's %h, curl's URL, an HTTP CONNECT line) can then address a device.
 */
export const DEVICE_HOST_SUFFIXES: readonly string[] = ['.balena', '.vpn'];

/** The device reference inside `<ref>.balena` or `<ref>.vpn`, or undefined for any other host. */
export function deviceRefFromHost(host: string): string | undefined {
  const lower = host.toLowerCase();
  for (const suffix of DEVICE_HOST_SUFFIXES) {
    if (lower.endsWith(suffix) && lower.length > suffix.length) return host.slice(0, host.length - suffix.length);
  }
  return undefined;
}

/** What a person typed to name a device, with a `.balena` / `.vpn` suffix taken off if present. */
export function deviceRef(text: string): string {
  return deviceRefFromHost(text) ?? text;
}
