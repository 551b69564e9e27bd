import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Credentials } from '../../src/sources/credentials.js';
import { readNpmrc, tlsOptions } from '../../src/sources/npmrc.js';

describe('credentials', () => {
  it('sends a token only to the registry prefix it was written for, with ${ENV} expansion', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'sumgate-cred-'));
    writeFileSync(
      path.join(root, '.npmrc'),
      '//127.0.0.1:4873/private/:_authToken=${CORP_TOKEN}\n//127.0.0.1:5000/:_authToken="plain"\n',
    );
    const c = Credentials.fromNpmrc(readNpmrc(root, { HOME: root, CORP_TOKEN: 's3cret' }));
    expect(c.authorizationFor('http://127.0.0.1:4873/private/@corp/ui')).toBe('Bearer s3cret');
    expect(c.authorizationFor('http://127.0.0.1:4873/public/x')).toBeUndefined();
    expect(c.authorizationFor('http://127.0.0.1:5000/left-pad')).toBe('Bearer plain');
    expect(c.authorizationFor('http://127.0.0.1:5001/left-pad')).toBeUndefined();
    expect(c.authorizationFor('http://localhost:5000/left-pad')).toBeUndefined();
  });

  it('reads TLS trust (cafile, strict-ssl) the way npm does, the project .npmrc over the user one', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'sumgate-tls-'));
    const home = mkdtempSync(path.join(os.tmpdir(), 'sumgate-home-'));
    writeFileSync(
      path.join(root, 'ca.pem'),
      '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
    );
    writeFileSync(path.join(home, '.npmrc'), `cafile=${path.join(root, 'ca.pem')}\nstrict-ssl=false\n`);
    writeFileSync(path.join(root, '.npmrc'), 'strict-ssl=true\n');
    const t = tlsOptions(readNpmrc(root, { HOME: home }));
    expect(t.ca).toHaveLength(1);
    expect(t.ca?.[0]).toContain('BEGIN CERTIFICATE');
    expect(t.rejectUnauthorized).toBe(true);
    expect(tlsOptions(readNpmrc(home, { HOME: home })).rejectUnauthorized).toBe(false);
  });
});
