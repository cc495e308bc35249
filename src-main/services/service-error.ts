/** An error a service raises on purpose; its code crosses the bridge as BridgeError.code. */
export class ServiceError extends Error {
  constructor(
    readonly code: 'invalid-arguments' | 'not-found' | 'offline' | 'server' | 'unknown-channel',
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}
