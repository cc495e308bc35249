/**
 * dcmjs-imaging with its native decoders (WASM: JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000, HTJ2K,
 * RLE), initialised lazily on the first render and only once per process. Concurrent first calls share one
 * initialisation; a failed initialisation is retried on the next call.
 */
import { createRequire } from 'node:module';
import { loadDcmjsImaging, type DcmjsImaging } from './dcmjs-module.js';

let ready: Promise<DcmjsImaging> | undefined;

async function initialise(): Promise<DcmjsImaging> {
  const lib = loadDcmjsImaging();
  // dcmjs-imaging bundles its own loglevel instance; its warnings (e.g. "meta information was not found")
  // would otherwise go to stdout for every such file.
  lib.log.setLevel('error');
  const wasmPath = createRequire(import.meta.url).resolve(
    'dcmjs-imaging/build/dcmjs-native-codecs.wasm',
  );
  await lib.NativePixelDecoder.initializeAsync({
    webAssemblyModulePathOrUrl: wasmPath,
    logNativeDecodersMessages: false,
  });
  return lib;
}

export function imagingRuntime(): Promise<DcmjsImaging> {
  if (!ready) {
    ready = initialise().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
  }
  return ready;
}
