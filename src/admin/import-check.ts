import { Worker, type WorkerOptions } from 'node:worker_threads';
import { parse } from 'yaml';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import { planImport, readCsv, type ImportPlan } from './spreadsheet.js';
import { hostileArchive, readXlsx, workbookKind, XLS_REFUSED, type WorkbookRead } from './spreadsheet-xlsx.js';

/** A file chosen in the import form (or the pasted text), as its bytes. */
export interface Upload {
  readonly filename: string;
  readonly data: Uint8Array;
}

/** What an uploaded spreadsheet would do, or why it is refused outright (a hostile archive). */
export type UploadCheck = { readonly plan: ImportPlan } | { readonly refused: string };

const bytesOf = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/** An uploaded file's rows: an .xlsx workbook by its content (a zip) or name, else UTF-8 CSV text. */
export async function readUpload({ filename, data }: Upload): Promise<WorkbookRead> {
  const bytes = bytesOf(data);
  switch (workbookKind(bytes, filename)) {
    case 'xlsx':
      return readXlsx(bytes);
    case 'xls':
      return { unreadable: XLS_REFUSED };
    case 'text':
      return readCsv(bytes.toString('utf8'));
  }
}

/** Reads the upload and plans the import against the current entries (the work the worker does). */
export async function checkUpload(upload: Upload, current: ReadonlyMap<string, KnowledgeEntry>): Promise<UploadCheck> {
  const sheet = await readUpload(upload);
  return 'refused' in sheet ? { refused: sheet.refused } : { plan: planImport(sheet, current) };
}

/** The entries from their files' texts (by id), parsed as the knowledge editor parses them. */
export function entriesOf(texts: ReadonlyMap<string, string>): Map<string, KnowledgeEntry> {
  return new Map([...texts].map(([id, text]) => [id, parse(text) as KnowledgeEntry]));
}

/** What the worker is sent: the upload, and the entries as their files' texts (by id), which it parses too. */
export interface CheckRequest {
  readonly upload: Upload;
  readonly entryTexts: ReadonlyMap<string, string>;
}

export interface CheckInWorkerOptions {
  /** How long a check may run before its worker is stopped (default 60 s). */
  timeoutMs?: number;
  /** The worker's heap (default 384 MB): a file that needs more is reported too large to check. */
  maxHeapMb?: number;
}

/**
 * The worker's code. Built, it is `import-check-worker.js`. Run from the TypeScript sources (tsx,
 * tests), the worker is TypeScript too: Node 20 does not apply tsx's `--import` hooks to a
 * worker's own file, so a small script loads it through tsx's `tsImport`.
 */
function workerOf(options: WorkerOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./import-check-worker.js', import.meta.url), options);
  const file = new URL('./import-check-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(file)}, ${JSON.stringify(file)}))`, { ...options, eval: true });
}

/** Checks at once (one per core of a small server); the others wait their turn. */
const MAX_RUNNING = 2;
let running = 0;
const waiting: (() => void)[] = [];

/**
 * `checkUpload` in a worker thread, against the entries whose files' texts are given (by id):
 * parsing a 5 MB spreadsheet takes seconds of CPU, and the knowledge files' YAML a good part of
 * one, which on the server's own thread would stop every other request (and `/healthz`) for as
 * long. The worker has a heap cap and a time limit; a file that hits either is reported
 * unreadable.
 */
export async function checkUploadInWorker(upload: Upload, entryTexts: ReadonlyMap<string, string>, options: CheckInWorkerOptions = {}): Promise<UploadCheck> {
  // A hostile archive is refused at once, from its directory alone, without a worker.
  const bytes = bytesOf(upload.data);
  const refused = workbookKind(bytes, upload.filename) === 'xlsx' ? hostileArchive(bytes) : undefined;
  if (refused) return { refused };
  if (running >= MAX_RUNNING) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    return await runWorker({ upload, entryTexts }, options);
  } finally {
    // The slot passes to the next in line, or is freed.
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

/**
 * A worker that finished a check waits a while for the next one: starting a thread and loading
 * the check's modules cost more than a typical check (a staff member's dry runs come one after
 * another). One at most, per heap limit; it does not keep the process alive.
 */
let idle: { worker: Worker; maxHeapMb: number; timer: NodeJS.Timeout } | undefined;
const IDLE_MS = 30_000;

function takeWorker(maxHeapMb: number): Worker {
  if (idle && idle.maxHeapMb === maxHeapMb) {
    const { worker, timer } = idle;
    clearTimeout(timer);
    idle = undefined;
    worker.removeAllListeners('exit');
    return worker;
  }
  const worker = workerOf({ resourceLimits: { maxOldGenerationSizeMb: maxHeapMb, maxYoungGenerationSizeMb: 32 } });
  worker.unref();
  return worker;
}

function keepWorker(worker: Worker, maxHeapMb: number): void {
  if (idle) {
    void worker.terminate();
    return;
  }
  const timer = setTimeout(() => {
    if (idle?.worker === worker) idle = undefined;
    void worker.terminate();
  }, IDLE_MS);
  timer.unref();
  // A worker that ends while idle (it should not) is simply not reused.
  worker.once('exit', () => {
    if (idle?.worker === worker) idle = undefined;
  });
  idle = { worker, maxHeapMb, timer };
}

function runWorker({ upload, entryTexts }: CheckRequest, { timeoutMs = 60_000, maxHeapMb = 384 }: CheckInWorkerOptions): Promise<UploadCheck> {
  const unreadable = (reason: string): UploadCheck => ({ plan: { rows: 0, bad: [{ row: 1, reason }], badRows: 1, changes: [], edited: new Map() } });
  // A copy of the bytes, handed over to the worker rather than copied again.
  const data = new Uint8Array(upload.data);
  const worker = takeWorker(maxHeapMb);
  return new Promise<UploadCheck>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      worker.removeListener('message', onMessage);
      worker.removeListener('error', onError);
      worker.removeListener('exit', onExit);
    };
    const timer = setTimeout(() => {
      done();
      resolve(unreadable(`checking the file took longer than ${Math.ceil(timeoutMs / 1000)} s: export the knowledge base again and edit that file`));
      void worker.terminate();
    }, timeoutMs);
    const onMessage = (result: UploadCheck) => {
      done();
      resolve(result);
      keepWorker(worker, maxHeapMb);
    };
    const onError = (error: Error & { code?: string }) => {
      done();
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') resolve(unreadable('the file needs more memory to check than a knowledge base spreadsheet does: export the knowledge base again and edit that file'));
      else reject(error);
    };
    const onExit = (code: number) => {
      done();
      reject(new Error(`the spreadsheet check stopped (exit code ${code}) without a result`));
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    const request: CheckRequest = { upload: { filename: upload.filename, data }, entryTexts };
    worker.postMessage(request, [data.buffer]);
  });
}
