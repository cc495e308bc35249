/**
 * The local box engine in an Electron utility process (a Node child that Electron manages), so heavy
 * ingest never blocks the window. Same CLI and ready message as the Node `forkLauncher`, except
 * that the engine posts `{ type: 'ready', url }` on `process.parentPort` here.
 */
import { utilityProcess } from 'electron';
import {
  localboxArgs,
  localboxEnv,
  type LocalboxLauncher,
  type RunningLocalbox,
} from '../services/localbox/launcher.js';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The engine's ready message: undefined for other messages, an Error for a bad URL. */
function readyUrl(message: unknown): string | Error | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { type, url } = message as { type?: unknown; url?: unknown };
  if (type !== 'ready') return undefined;
  try {
    const parsed = new URL(String(url));
    if (parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname)) return String(url);
  } catch {
    // reported below
  }
  return new Error(`The local box reported ready at ${String(url)}, not an http loopback URL`);
}

export function utilityLauncher(scriptPath: string): LocalboxLauncher {
  return (opts) =>
    new Promise<RunningLocalbox>((resolve, reject) => {
      const child = utilityProcess.fork(scriptPath, localboxArgs(opts), {
        serviceName: 'Slicebox local box',
        stdio: 'inherit',
        env: { ...process.env, ...localboxEnv(opts) },
      });
      let ready = false;
      let exitCode: number | null = null;
      const exited = new Promise<void>((done) =>
        child.once('exit', (code) => {
          exitCode = code;
          done();
        }),
      );

      const fail = (message: string) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        if (exitCode === null) child.kill();
        reject(new Error(message));
      };
      const timer = setTimeout(
        () => fail(`The local box did not report ready within ${READY_TIMEOUT_MS / 1000} s`),
        READY_TIMEOUT_MS,
      );
      void exited.then(() => {
        if (!ready) fail(`The local box exited before it was ready (exit code ${exitCode})`);
      });
      child.once('error', (type, location) => {
        if (!ready) fail(`The local box crashed while starting (${type} at ${location})`);
      });

      function onMessage(message: unknown) {
        const url = readyUrl(message);
        if (ready || url === undefined) return;
        if (url instanceof Error) {
          fail(url.message);
          return;
        }
        ready = true;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve({ url, stop });
      }

      /** SIGTERM, a bounded wait for a clean exit, then SIGKILL and wait for the exit. */
      async function stop(): Promise<void> {
        if (exitCode !== null) return;
        child.kill();
        const timeout = new Promise<'timeout'>((done) =>
          setTimeout(() => done('timeout'), STOP_TIMEOUT_MS).unref(),
        );
        if ((await Promise.race([exited, timeout])) === 'timeout') {
          if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
          await exited;
        }
      }
      child.on('message', onMessage);
    });
}
