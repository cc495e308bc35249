/**
 * Entry of a worker thread of the engine's pool (bundled by scripts/build.mjs into `out/main/localbox-worker.js`,
 * next to `localbox.js`). Runs one job at a time from codec/jobs.ts and answers with plain data, transferring
 * result bytes; errors go back as `{name, code, message}`; console output (dcmjs logs per element) is counted
 * per kind and sent with the answer instead of being printed.
 */
import './install-log-collector.js';
import { parentPort, workerData } from 'node:worker_threads';
import { loadDcmjs } from '../rendering/dcmjs-module.js';
import { setBudgets } from './budgets.js';
import { JOBS } from './jobs.js';
import type { JobKind } from './jobs.js';
import { onLogFlush, rebindLoggers, takeLogSummary } from './log-collector.js';
import type { Logger } from './log-collector.js';
import type { JobRequest, WorkerInit, WorkerMessage } from './protocol.js';
import { transferablesOf } from './transfer.js';
import { toWire } from './wire-errors.js';

const port = parentPort;
if (!port) throw new Error('codec/worker.ts runs as a worker thread of the engine');

setBudgets((workerData as WorkerInit).budgets);
const dcmjsLog = (
  loadDcmjs() as unknown as { log: Logger & { getLoggers(): Record<string, Logger> } }
).log;
rebindLoggers([dcmjsLog, ...Object.values(dcmjsLog.getLoggers())]);

let current: number | undefined;
onLogFlush((log) => {
  if (current !== undefined) send({ type: 'log', id: current, log });
}, 500);

function send(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

port.on('message', (request: JobRequest) => {
  current = request.id;
  const job = JOBS[request.kind as JobKind] as (input: unknown) => Promise<unknown>;
  void (async () => {
    let message: WorkerMessage;
    let transfer: ArrayBuffer[] = [];
    try {
      if (typeof job !== 'function') throw new Error(`unknown job ${String(request.kind)}`);
      const output = await job(request.input);
      transfer = transferablesOf(output);
      message = { type: 'done', id: request.id, ok: true, output, log: takeLogSummary() };
    } catch (e) {
      message = {
        type: 'done',
        id: request.id,
        ok: false,
        error: toWire(e),
        log: takeLogSummary(),
      };
    }
    current = undefined;
    send(message, transfer);
  })();
});

send({ type: 'ready' });
