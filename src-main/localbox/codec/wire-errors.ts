/**
 * Errors across the worker boundary. A class instance does not survive `postMessage` (structured clone keeps
 * only the message and a standard name), so a worker sends `{name, code, message}` and the main thread builds
 * an instance of the same class again: the routes keep recognising DicomError, RenderError, InvalidArgument, …
 * with `instanceof`. An error of any other class arrives as a plain Error (the routes answer 500).
 */
import { DicomError } from '../dicom/errors.js';
import { DicomReadError } from '../rendering/dicom-stream-reader.js';
import { RenderError } from '../rendering/render-error.js';
import type { RenderErrorCode } from '../rendering/render-error.js';
import { FileNotFound, InvalidArgument, NotFound } from '../system/errors.js';
import { CannotConvert } from '../dimse/transcode.js';
import { BudgetError } from './budgets.js';
import type { BudgetErrorCode } from './budgets.js';

export interface WireError {
  name: string;
  message: string;
  code?: string;
  /** DicomReadError: the data ends inside an element. */
  truncated?: boolean;
}

export function toWire(e: unknown): WireError {
  if (e instanceof Error) {
    const wire: WireError = { name: e.name, message: e.message };
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') wire.code = code;
    if (e instanceof DicomReadError) wire.truncated = e.truncated;
    return wire;
  }
  return { name: 'Error', message: typeof e === 'string' ? e : String(e) };
}

/** The error of the same class as the one thrown in the worker (plain Error for unknown classes). */
export function fromWire(wire: WireError): Error {
  switch (wire.name) {
    case 'BudgetError':
      return new BudgetError(wire.code as BudgetErrorCode, wire.message);
    case 'DicomError':
      return new DicomError(wire.message);
    case 'RenderError':
      return new RenderError(wire.code as RenderErrorCode, wire.message);
    case 'DicomReadError':
      return new DicomReadError(wire.message, wire.truncated === true);
    case 'InvalidArgument':
      return new InvalidArgument(wire.message);
    case 'NotFound':
      return new NotFound(wire.message);
    case 'FileNotFound':
      return new FileNotFound(wire.message);
    case 'CannotConvert':
      return new CannotConvert(wire.message);
    default: {
      const error = new Error(wire.message);
      if (wire.code !== undefined) (error as Error & { code?: string }).code = wire.code;
      return error;
    }
  }
}
