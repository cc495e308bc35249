/** Engine defaults (BEHAVIOR.md §2). */

/**
 * The version reported by `GET /system/information`. The local box implements the Slicebox 2.0.2 API, and
 * clients use this value to recognise the server generation, so it is the API version rather than the app's.
 */
export const SLICEBOX_API_VERSION = '2.0.2';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 5000;
export const DEFAULT_SUPERUSER = { user: 'admin', password: 'admin' } as const;
export const DEFAULT_SESSION_TIMEOUT_MS = 3600 * 1000;
