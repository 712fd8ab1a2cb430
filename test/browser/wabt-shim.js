// wabt is published as a UMD/CommonJS script (Emscripten output), not an ES module. Loaded as a
// classic <script> it defines the global `WabtModule` factory; this module does that on first
// import and re-exports the factory as the default export, which is what Kiln's loader expects.
// Only imported when the wasm backend initialises (through the page's import map).
const url = new URL('../../node_modules/wabt/index.js', import.meta.url).href;

if (typeof globalThis.WabtModule !== 'function') {
  await new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => resolve(undefined);
    script.onerror = () => reject(new Error(`wabt shim: could not load ${url}`));
    document.head.append(script);
  });
}
if (typeof globalThis.WabtModule !== 'function') throw new Error(`wabt shim: ${url} did not define WabtModule`);

export default globalThis.WabtModule;
