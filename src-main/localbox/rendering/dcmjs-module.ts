/**
 * The one place this library loads dcmjs and dcmjs-imaging.
 *
 * Both are loaded through `createRequire`: dcmjs is a dual package (ESM `import` gives `dcmjs.es.js`,
 * `require` gives `dcmjs.js`) and dcmjs-imaging `require`s it, so loading it the same way keeps one
 * instance in the process (shared log level, shared dictionary). Neither ships usable TS types for what is
 * used here, so the small surface this library needs is declared below.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** One entry of dcmjs's data dictionary (`DicomMetaDictionary.nameMap`). */
export interface DcmjsDictionaryEntry {
  /** `(GGGG,EEEE)`; repeating groups are listed once under their base group (e.g. `(6000,3000)`). */
  tag: string;
  /** Two-letter VR, or dcmjs's pseudo codes: `ox` (OB or OW), `xs` (US or SS), `lt` (US or OW), `up`, `na`. */
  vr: string;
  /** PS3.6 VM, e.g. `1`, `1-n`, `2-2n`. */
  vm: string;
  /** Keyword; retired entries carry a `RETIRED_` prefix in dcmjs. */
  name: string;
}

interface DcmjsModule {
  data: { DicomMetaDictionary: { nameMap: Record<string, DcmjsDictionaryEntry> } };
}

export function loadDcmjs(): DcmjsModule {
  return require('dcmjs') as DcmjsModule;
}

/** The dcmjs-imaging surface used for rendering (see node_modules/dcmjs-imaging/index.d.ts). */
export type DcmjsImaging = typeof import('dcmjs-imaging');

export function loadDcmjsImaging(): DcmjsImaging {
  return require('dcmjs-imaging') as DcmjsImaging;
}
