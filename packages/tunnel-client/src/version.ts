import pkg from '../package.json' with { type: 'json' };

/** The package version (a JSON import, so single-file bundles carry it too). */
export const VERSION: string = pkg.version;
