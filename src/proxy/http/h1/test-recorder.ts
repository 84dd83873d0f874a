// Test support: handlers that record what the parsers deliver, so tests can
// compare a whole stream's outcome however it was split. Not used in production.

import type { HeaderMap } from '../headers.js';
import { H1Error } from './errors.js';
import { H1RequestParser, type H1RequestHandler, type H1RequestHead } from './request-parser.js';
import { H1ResponseParser, type H1ResponseHandler, type H1ResponseHead } from './response-parser.js';
import type { H1ParserOptions } from './defaults.js';

export interface RecordedMessage<H> {
  head: H;
  body: Buffer;
  bodyPieces: number;
  trailers: HeaderMap | undefined;
  complete: boolean;
}

export class RequestRecorder implements H1RequestHandler {
  readonly messages: RecordedMessage<H1RequestHead>[] = [];
  private get last(): RecordedMessage<H1RequestHead> {
    return this.messages[this.messages.length - 1]!;
  }
  onRequestHead(head: H1RequestHead): void {
    this.messages.push({ head, body: Buffer.alloc(0), bodyPieces: 0, trailers: undefined, complete: false });
  }
  onBody(chunk: Buffer): void {
    const m = this.last;
    m.body = Buffer.concat([m.body, chunk]);
    m.bodyPieces++;
  }
  onTrailers(trailers: HeaderMap): void {
    this.last.trailers = trailers;
  }
  onMessageComplete(): void {
    this.last.complete = true;
  }
}

export class ResponseRecorder implements H1ResponseHandler {
  readonly messages: RecordedMessage<H1ResponseHead>[] = [];
  readonly interim: H1ResponseHead[] = [];
  private get last(): RecordedMessage<H1ResponseHead> {
    return this.messages[this.messages.length - 1]!;
  }
  onInformational(head: H1ResponseHead): void {
    this.interim.push(head);
  }
  onResponseHead(head: H1ResponseHead): void {
    this.messages.push({ head, body: Buffer.alloc(0), bodyPieces: 0, trailers: undefined, complete: false });
  }
  onBody(chunk: Buffer): void {
    const m = this.last;
    m.body = Buffer.concat([m.body, chunk]);
    m.bodyPieces++;
  }
  onTrailers(trailers: HeaderMap): void {
    this.last.trailers = trailers;
  }
  onMessageComplete(): void {
    this.last.complete = true;
  }
}

/** Outcome of parsing a whole request stream: messages, tunnel bytes, error code. */
export interface RequestOutcome {
  recorder: RequestRecorder;
  tunnel: Buffer | undefined;
  error: H1Error | undefined;
}

/**
 * Feeds `input` to a fresh request parser cut at `splits` (sorted byte
 * offsets), then signals EOF when `eof`. H1Errors are captured; others rethrown.
 */
export function parseRequests(input: Buffer, splits: number[] = [], options?: H1ParserOptions, eof = true): RequestOutcome {
  const recorder = new RequestRecorder();
  const parser = new H1RequestParser(recorder, options);
  let tunnel: Buffer | undefined;
  try {
    let prev = 0;
    for (const cut of [...splits, input.length]) {
      const piece = input.subarray(prev, cut);
      prev = cut;
      if (piece.length === 0) continue;
      const rest = parser.execute(piece);
      if (rest !== undefined) tunnel = tunnel === undefined ? rest : Buffer.concat([tunnel, rest]);
    }
    if (eof) parser.finish();
  } catch (e) {
    if (!(e instanceof H1Error)) throw e;
    return { recorder, tunnel, error: e };
  }
  return { recorder, tunnel, error: undefined };
}

export interface ResponseOutcome {
  recorder: ResponseRecorder;
  tunnel: Buffer | undefined;
  error: H1Error | undefined;
}

/**
 * Feeds a response stream; `methods` are announced in order, each as soon as
 * the previous final response completes (and the first one up front).
 */
export function parseResponses(input: Buffer, methods: string[], splits: number[] = [], options?: H1ParserOptions, eof = true): ResponseOutcome {
  const queue = methods.slice();
  const recorder = new ResponseRecorder();
  let parser: H1ResponseParser;
  const origComplete = recorder.onMessageComplete.bind(recorder);
  recorder.onMessageComplete = () => {
    origComplete();
    const m = queue.shift();
    if (m !== undefined) parser.expectResponse(m);
  };
  parser = new H1ResponseParser(recorder, options);
  const first = queue.shift();
  if (first !== undefined) parser.expectResponse(first);
  let tunnel: Buffer | undefined;
  try {
    let prev = 0;
    for (const cut of [...splits, input.length]) {
      const piece = input.subarray(prev, cut);
      prev = cut;
      if (piece.length === 0) continue;
      const rest = parser.execute(piece);
      if (rest !== undefined) tunnel = tunnel === undefined ? rest : Buffer.concat([tunnel, rest]);
    }
    if (eof) parser.finish();
  } catch (e) {
    if (!(e instanceof H1Error)) throw e;
    return { recorder, tunnel, error: e };
  }
  return { recorder, tunnel, error: undefined };
}
