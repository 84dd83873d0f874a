// The worker thread that parses config files for the control plane, so a
// large or hostile YAML file costs this thread's time and heap, never the
// main thread's: xDS keeps serving while it parses, and a parse that exhausts
// the worker's heap ends the worker, not the control plane.
import { parentPort } from 'node:worker_threads';
import { parsePortable } from './read-documents.js';

export interface ParseRequest {
  readonly id: number;
  readonly text: string;
  readonly file: string;
}

parentPort?.on('message', (req: ParseRequest) => {
  parentPort!.postMessage({ id: req.id, result: parsePortable(req.text, req.file) });
});
