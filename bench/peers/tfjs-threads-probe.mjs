// Evidence for the thread configuration reported by the TF.js adapter: in Node,
// tfjs-backend-wasm says it has no multithread support, and forcing the flag on makes backend
// initialization fail. Run: node bench/peers/tfjs-threads-probe.mjs
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { wasmDir } from './tfjs.mjs';

setWasmPaths(wasmDir());
console.log('WASM_HAS_MULTITHREAD_SUPPORT (as detected):', await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
setThreadsCount(2);
const warn = console.warn;
const messages = [];
console.warn = (...a) => messages.push(a.map(String).join(' '));
let ok = false;
try {
  ok = await tf.setBackend('wasm');
} catch (e) {
  messages.push(String(e));
}
console.warn = warn;
console.log(`forced threaded build: setBackend('wasm') → ${ok}`);
for (const m of messages) console.log('  ' + m.split('\n')[0]);
process.exit(0);
