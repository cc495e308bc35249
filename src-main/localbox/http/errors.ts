/** HTTP error mapping (BEHAVIOR.md §4.4). */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DicomError } from '../dicom/errors.js';
import { FileNotFound, InvalidArgument, NotFound } from '../system/errors.js';
import { sendText } from './replies.js';

/** An error that already knows its status and text body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const INTERNAL_ERROR = 'There was an internal server error.';

export function errorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (error instanceof HttpError) return void sendText(reply, error.status, error.message);
  if (error instanceof DicomError)
    return void sendText(reply, 400, `Invalid DICOM data: ${error.message}`);
  if (error instanceof InvalidArgument) return void sendText(reply, 400, error.message);
  if (error instanceof NotFound) return void sendText(reply, 404, error.message);
  if (error instanceof FileNotFound)
    return void sendText(reply, 404, `File not found: ${error.message}`);
  const code = (error as FastifyError).code;
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return void sendText(reply, 400, 'Request entity expected but not supplied');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return void sendText(
      reply,
      415,
      "The request's Content-Type is not supported. Expected:\napplication/json",
    );
  }
  const status = (error as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return void sendText(reply, status, error.message);
  request.log.error({ err: error }, 'request failed');
  sendText(reply, 500, INTERNAL_ERROR);
}
