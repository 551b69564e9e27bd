import { describe, expect, it } from 'vitest';
import { parseProxyPath } from '../../src/proxy/proxyPaths.js';

describe('parseProxyPath', () => {
  it.each([
    ['/plain', { kind: 'packument', name: 'plain' }],
    ['/@scope%2fname', { kind: 'packument', name: '@scope/name' }],
    ['/@scope%2Fname', { kind: 'packument', name: '@scope/name' }],
    ['/@scope/name', { kind: 'packument', name: '@scope/name' }],
    ['/plain?write=true', { kind: 'packument', name: 'plain' }],
    ['/plain/-/plain-1.0.0.tgz', { kind: 'tarball', name: 'plain', version: '1.0.0' }],
    [
      '/@scope/name/-/name-2.1.0-beta.1.tgz',
      { kind: 'tarball', name: '@scope/name', version: '2.1.0-beta.1' },
    ],
    ['/@scope%2fname/-/name-2.1.0.tgz', { kind: 'tarball', name: '@scope/name', version: '2.1.0' }],
    ['/-/ping', { kind: 'ping' }],
  ])('%s', (p, expected) => {
    expect(parseProxyPath(p)).toEqual(expected);
  });

  it.each([
    '/',
    '/-/v1/search?text=x',
    '/-/npm/v1/security/advisories/bulk',
    '/plain/-/other-1.0.0.tgz',
    '/plain/-/plain-latest.tgz',
    '/plain/-/plain-1.0.tgz',
    '/plain/1.0.0',
    '/@../name',
    '/%E0%A4%A',
    '/Plain%20Name',
  ])('%s is not something the proxy can verify', (p) => {
    expect(parseProxyPath(p).kind).toBe('other');
  });

  it.each([
    ['/..', 'only of dots'],
    ['/%2e%2e', 'only of dots'],
    ['/.../-/...-1.0.0.tgz', 'only of dots'],
    ['/@scope/..', 'only of dots'],
    ['/@scope%2f.', 'only of dots'],
    ['/../etc/passwd', 'only of dots'],
    ['/.hidden', 'cannot start with'],
    ['/_private/-/_private-1.0.0.tgz', 'cannot start with'],
  ])('%s is refused as a name npm never accepts', (p, reason) => {
    const what = parseProxyPath(p);
    expect(what.kind).toBe('invalid');
    expect(what.kind === 'invalid' && what.reason).toContain(reason);
  });

  it('keeps names that npm accepts with dots and underscores inside', () => {
    expect(parseProxyPath('/a.b_c')).toEqual({ kind: 'packument', name: 'a.b_c' });
    expect(parseProxyPath('/@scope/.dotted')).toEqual({ kind: 'packument', name: '@scope/.dotted' });
  });
});
