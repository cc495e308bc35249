/** Child processes the benchmark starts: free ports, bounded waits, RSS sampling, and a bounded stop. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for `promise` at most `ms`: true if it settled in time, false otherwise. The timer is cleared either way,
 * so a bound never keeps the process alive after the work is done.
 */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when the child has exited (immediately if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL and wait again (bounded). Only ever this one child. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const done = exited(child);
  if (!(await within(done, graceMs))) {
    child.kill('SIGKILL');
    await within(done, 5_000);
  }
}

/** VmRSS and VmHWM (peak) of a process, in bytes, from /proc (Linux). */
export function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * CPU time a process has used so far, in seconds of user and of system (kernel) time, from /proc (Linux;
 * `/proc/<pid>/stat` counts in USER_HZ, which is 100 on Linux).
 */
export function cpuOf(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: the fields after it start past its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    if (!Number.isFinite(user) || !Number.isFinite(system)) return undefined;
    return { user: user / USER_HZ, system: system / USER_HZ };
  } catch {
    return undefined;
  }
}

const USER_HZ = 100;

/** Samples a process's RSS every `intervalMs` until stopped; returns the highest sample seen. */
export function sampleRss(pid: number, intervalMs = 50): { stop(): number } {
  let peak = memoryOf(pid)?.rss ?? 0;
  const timer = setInterval(() => {
    const rss = memoryOf(pid)?.rss ?? 0;
    if (rss > peak) peak = rss;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, memoryOf(pid)?.rss ?? 0);
    },
  };
}
