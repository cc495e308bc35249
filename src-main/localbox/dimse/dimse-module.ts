/**
 * The one place the engine loads dcmjs-dimse.
 *
 * dcmjs-dimse is a CommonJS bundle that `require`s dcmjs; loading it through `createRequire` (as the rest of the
 * engine loads dcmjs) keeps a single dcmjs instance in the process (STACK.md, dual-package note). Its logger is
 * silenced: the library logs expected events (a refused connection, an aborted association) as errors on the
 * console, and the engine reports what matters in its own log (subjects `SCP` and `SCU`). The implementation class
 * UID and version name announced in associations are the engine's (as in the files it writes).
 */
import { createRequire } from 'node:module';
import type * as Dimse from 'dcmjs-dimse';
import {
  IMPLEMENTATION_CLASS_UID,
  IMPLEMENTATION_VERSION_NAME,
} from '../jpeg/secondary-capture.js';

export type DimseModule = typeof Dimse;

const require = createRequire(import.meta.url);

let loaded: DimseModule | undefined;

export function dimse(): DimseModule {
  if (!loaded) {
    loaded = require('dcmjs-dimse') as DimseModule;
    loaded.log.setLevel('silent');
    // Our identity in association requests and accepts (process-wide in dcmjs-dimse).
    loaded.Implementation.setImplementationClassUid(IMPLEMENTATION_CLASS_UID);
    loaded.Implementation.setImplementationVersion(IMPLEMENTATION_VERSION_NAME);
  }
  return loaded;
}

/** Verification SOP Class (C-ECHO). */
export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';
