import { describe, expect, it } from 'vitest';
import { SumgateError } from '@sumgate/core';
import { proxyAnswerFor } from '../../src/proxy/proxyRefusal.js';

describe('proxyAnswerFor', () => {
  it('a refusal is 403 with the code, cause and fix on one line in "error" (what npm prints)', () => {
    const a = proxyAnswerFor(
      new SumgateError('QUARANTINE_ADDED', 'x@1.1.0 is quarantined: it adds install-time code', {
        pkg: 'x@1.1.0',
        fix: 'sumgate approve x@1.1.0',
      }),
    );
    expect(a.status).toBe(403);
    expect(a.body.error).toBe(
      'sumgate QUARANTINE_ADDED: x@1.1.0 is quarantined: it adds install-time code (fix: sumgate approve x@1.1.0)',
    );
    expect(a.body.code).toBe('QUARANTINE_ADDED');
  });

  it('could not check (log or sources down) is 503, never a refusal', () => {
    expect(proxyAnswerFor(new SumgateError('LOG_UNREACHABLE', 'the log is down')).status).toBe(503);
    expect(
      proxyAnswerFor(
        new SumgateError('SOURCE_FAILED', 'every source failed', {
          data: { failures: [{ source: 'a', url: 'u', reason: 'HTTP 502' }] },
        }),
      ).status,
    ).toBe(503);
  });

  it('a package every source answered 404 for is 404, as a registry says it', () => {
    const failures = [
      { source: 'a', url: 'u', reason: 'HTTP 404' },
      { source: 'b', url: 'v', reason: 'HTTP 404' },
    ];
    expect(
      proxyAnswerFor(new SumgateError('SOURCE_FAILED', 'every source failed', { data: { failures } })).status,
    ).toBe(404);
    expect(
      proxyAnswerFor(
        new SumgateError('SOURCE_FAILED', 'x', {
          data: { failures: [failures[0], { source: 'b', url: 'v', reason: 'HTTP 500' }] },
        }),
      ).status,
    ).toBe(503);
  });

  it('multi-line messages become one line; anything else is a 500 naming the proxy', () => {
    expect(proxyAnswerFor(new SumgateError('DENIED', '2 packages refused:\n  - a\n  - b')).body.error).toBe(
      'sumgate DENIED: 2 packages refused: - a - b',
    );
    expect(proxyAnswerFor(new Error('boom'))).toEqual({
      status: 500,
      body: { error: 'sumgate proxy internal error: boom' },
    });
  });
});
