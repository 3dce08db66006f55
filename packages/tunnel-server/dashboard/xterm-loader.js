// xterm.js (from npm, served by this server) is loaded only by the pages that draw a terminal.
let loading = null;

function script(src) {
  return new Promise((resolve, reject) => {
    const el = document.createElement('script');
    el.src = src;
    el.onload = resolve;
    el.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(el);
  });
}

/** Resolves to { Terminal, FitAddon } once the scripts and styles are in. */
export function loadXterm() {
  loading ??= (async () => {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = '/dashboard/vendor/xterm.css';
    document.head.append(css);
    await script('/dashboard/vendor/xterm.js');
    await script('/dashboard/vendor/addon-fit.js');
    return { Terminal: globalThis.Terminal, FitAddon: globalThis.FitAddon.FitAddon ?? globalThis.FitAddon };
  })();
  return loading;
}
