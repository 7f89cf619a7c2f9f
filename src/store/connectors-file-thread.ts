/**
 * Reads the connectors file in a worker thread. Parsing YAML builds a document tree many times the size of the
 * specs it yields; in the main thread that garbage grows the heap of a long-running process once and the heap
 * never gives the pages back (a 5,000-connector file: ~70 MB of resident memory for good). The worker's heap goes
 * away with the worker; only the specs come back (structured clone). Errors keep their meaning: a broken file is a
 * ConnectorsFileError with the same message. Where no worker can load the parser (an unusual loader), the file is
 * read in this thread instead.
 */
import { Worker } from 'node:worker_threads';
import type { ConnectorSpec } from '../core/connector-spec.js';
import { ConnectorsFileError, loadConnectorsFile } from './connectors-file.js';

type Answer = { specs: ConnectorSpec[] } | { fileError: string } | { error: string };

/** CommonJS, as `eval` workers run; registers tsx first when the sources run uncompiled. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  const { loadConnectorsFile, ConnectorsFileError } = await import(workerData.module);
  try {
    parentPort.postMessage({ specs: loadConnectorsFile(workerData.path) });
  } catch (error) {
    if (error instanceof ConnectorsFileError) parentPort.postMessage({ fileError: error.message });
    else throw error;
  }
})().catch((error) => parentPort.postMessage({ error: String(error && error.message) }));
`;

export async function loadConnectorsFileOffThread(path: string): Promise<ConnectorSpec[]> {
  const answer = await inWorker(path).catch((error: Error) => ({ error: error.message }));
  if ('specs' in answer) return answer.specs;
  if ('fileError' in answer) throw new ConnectorsFileError(answer.fileError);
  return loadConnectorsFile(path);
}

function inWorker(path: string): Promise<Answer> {
  const self = import.meta.url;
  const uncompiled = self.endsWith('.ts');
  const module = new URL(`./connectors-file.${uncompiled ? 'ts' : 'js'}`, self).href;
  const tsx = uncompiled ? tsxApi() : undefined;
  if (uncompiled && !tsx) return Promise.resolve({ error: 'no TypeScript loader for a worker' });
  return new Promise<Answer>((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, execArgv: [], workerData: { path, module, tsx } });
    worker.once('message', (answer: Answer) => {
      resolve(answer);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`connectors file worker exited with ${code}`)));
  });
}

function tsxApi(): string | undefined {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return undefined;
  }
}
