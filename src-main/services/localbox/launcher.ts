/**
 * Starting the local box engine as its own process. Services receive a LocalboxLauncher (a port):
 * the Electron shell passes one built on `utilityProcess`; Node and browser mode use `forkLauncher`.
 */
import { fork } from 'node:child_process';

export interface LocalboxLaunchOptions {
  dataDir: string;
  /** 0 lets the engine pick a free port; the URL comes back in its ready message. */
  port: number;
  user: string;
  password: string;
}

export interface RunningLocalbox {
  url: string;
  stop(): Promise<void>;
}

export type LocalboxLauncher = (opts: LocalboxLaunchOptions) => Promise<RunningLocalbox>;

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Argument list the engine CLI (src-main/localbox/cli.ts) understands. */
export function localboxArgs(opts: LocalboxLaunchOptions): string[] {
  return ['--host', '127.0.0.1', '--port', String(opts.port), '--data', opts.dataDir];
}

/**
 * The superuser credentials travel in the environment, not on the command line, so other users of the
 * machine cannot read them from the process list.
 */
export function localboxEnv(opts: LocalboxLaunchOptions): Record<string, string> {
  return { SLICEBOX_SUPERUSER: opts.user, SLICEBOX_SUPERUSER_PASSWORD: opts.password };
}

/** A launcher that forks the bundled engine script with Node and waits for its ready message. */
export function forkLauncher(scriptPath: string): LocalboxLauncher {
  return (opts) =>
    new Promise<RunningLocalbox>((resolve, reject) => {
      const child = fork(scriptPath, localboxArgs(opts), {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, ...localboxEnv(opts) },
      });
      let exited = false;
      const exitedPromise = new Promise<void>((done) => child.once('exit', () => done()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`The local box did not start within ${READY_TIMEOUT_MS / 1000} s`));
      }, READY_TIMEOUT_MS);
      child.once('exit', (code, signal) => {
        exited = true;
        clearTimeout(timer);
        reject(
          new Error(`The local box exited before it was ready (code ${code}, signal ${signal})`),
        );
      });
      child.on('message', (message: unknown) => {
        const ready = message as { type?: string; url?: string };
        if (ready?.type !== 'ready' || typeof ready.url !== 'string') return;
        clearTimeout(timer);
        resolve({
          url: ready.url,
          async stop() {
            if (exited) return;
            child.kill('SIGTERM');
            const timeout = new Promise<'timeout'>((done) =>
              setTimeout(() => done('timeout'), STOP_TIMEOUT_MS).unref(),
            );
            if ((await Promise.race([exitedPromise, timeout])) === 'timeout') {
              child.kill('SIGKILL');
              await exitedPromise;
            }
          },
        });
      });
    });
}
