/** HTTP status for a refusal, and the plain-text error responses of the log server (no stack traces). */
import type { ServerResponse } from 'node:http';
import { errorRow, isSumgateError } from '@sumgate/core';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Maps an error to a status and a message safe to show a client. */
export function describeError(e: unknown): { status: number; message: string; internal: boolean } {
  if (e instanceof HttpError) return { status: e.status, message: e.message, internal: false };
  if (isSumgateError(e)) {
    const s = errorRow(e.code).httpStatus;
    if (s !== undefined) return { status: s, message: `${e.code}: ${e.message}`, internal: false };
  }
  return { status: 500, message: 'internal error (see the log server output)', internal: true };
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body.endsWith('\n') ? body : `${body}\n`);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}
