import { describe, expect, it } from 'vitest';
import { ERROR_TABLE, errorRow } from '../src/errorTable.js';
import { SumgateError } from '../src/errors.js';
import type { SumgateCode } from '../src/errors.js';
import { describeError } from '../../log/src/http/httpError.js';

const codes = Object.keys(ERROR_TABLE) as SumgateCode[];

describe('the error table: one row per code, read by every host', () => {
  it('gives every code a tier, an exit code, an HTTP status and a Yarn message kind that fit its tier', () => {
    for (const code of codes) {
      const row = errorRow(code);
      const e = new SumgateError(code, 'x');
      expect(e.tier).toBe(row.tier);
      expect(e.security).toBe(row.tier === 'security');
      if (row.tier === 'unavailable' || row.tier === 'config') expect(row.exitCode, code).toBe(2);
      if (row.tier === 'security' || row.tier === 'refused') expect(row.exitCode, code).toBe(1);
      if (row.tier === 'unavailable') expect(row.yarn, code).toBe('NETWORK_ERROR');
    }
    expect(codes.filter((c) => errorRow(c).tier === 'security').sort()).toEqual([
      'BAD_SIGNATURE',
      'INVALID_PROOF',
      'LOG_MISMATCH',
      'SECURITY_LOG_FORK',
    ]);
    expect(codes.filter((c) => errorRow(c).tier === 'unavailable').sort()).toEqual([
      'LOG_INGESTING',
      'LOG_UNREACHABLE',
      'SOURCE_FAILED',
      'WITNESS_QUORUM',
    ]);
  });

  it("is what the log server answers with: the row's status, the code in the text; codes without a status stay internal 500s", () => {
    for (const code of codes) {
      const d = describeError(new SumgateError(code, 'why'));
      const status = errorRow(code).httpStatus;
      if (status === undefined)
        expect(d).toEqual({
          status: 500,
          message: 'internal error (see the log server output)',
          internal: true,
        });
      else expect(d).toEqual({ status, message: `${code}: why`, internal: false });
    }
  });
});
