import { parentPort } from 'node:worker_threads';
import { checkUpload, entriesOf, type CheckRequest } from './import-check.js';

/** The worker thread of `checkUploadInWorker`: one check, its result posted back, then it is ended. */
parentPort?.once('message', (request: CheckRequest) => {
  void checkUpload(request.upload, entriesOf(request.entryTexts)).then((result) => parentPort?.postMessage(result));
});
