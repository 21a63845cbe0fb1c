import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect, type ConnectionOptions } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { loadConfig } from '../service/src/config.ts';
import { loadTls, TlsError } from '../service/src/tls.ts';
import { buildTestApp } from './helpers/app.ts';
import { tempDataDir } from './helpers/backends.ts';

function handshake(port: number, options: ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ...options });
    socket.once('secureConnect', () => {
      resolve(socket.getProtocol() ?? 'unknown');
      socket.end();
    });
    socket.once('error', reject);
  });
}

t.test('sandbox mode makes a localhost certificate once and keeps it in the data folder', async (t) => {
  const dataDir = tempDataDir(t);
  const config = loadConfig({ DATA_DIR: dataDir });
  const first = await loadTls(config);
  const second = await loadTls(config);
  t.ok(first, 'a certificate is made');
  t.equal(second?.cert, first?.cert, 'the kept certificate is reused at the next start');
  t.equal(readFileSync(join(dataDir, 'tls', 'localhost.crt'), 'utf8'), first?.cert);
  const cert = new X509Certificate(first!.cert);
  t.ok(cert.checkHost('localhost'), 'valid for localhost');
  t.ok(cert.checkIP('127.0.0.1'), 'and for 127.0.0.1');
});

t.test('configured certificate files that cannot be read are named', async (t) => {
  const config = loadConfig({ TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: '/nonexistent/key.pem' });
  await t.rejects(loadTls(config), new TlsError('TLS_CERT_FILE /nonexistent/cert.pem cannot be read (ENOENT)'));
});

t.test('behind a proxy there is no certificate to load', async (t) => {
  t.equal(await loadTls(loadConfig({ TRUST_PROXY: 'true', DATA_DIR: tempDataDir(t) })), undefined);
});

t.test('the service speaks TLS 1.2 or newer only, and sends HSTS', async (t) => {
  const dataDir = tempDataDir(t);
  const tls = await loadTls(loadConfig({ DATA_DIR: dataDir }));
  const { app } = await buildTestApp(t, { DATA_DIR: dataDir }, tls);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;

  t.equal(await handshake(port, { minVersion: 'TLSv1.3' }), 'TLSv1.3');
  t.equal(await handshake(port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), 'TLSv1.2');
  // The client is allowed old protocols, so a refusal can only come from the server.
  await t.rejects(
    handshake(port, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
    /protocol version|unsupported protocol|wrong version/i,
  );

  const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/healthz', ca: tls!.cert, servername: 'localhost' },
      (res) => {
        res.resume();
        resolve(res.headers);
      },
    );
    req.once('error', reject);
    req.end();
  });
  t.equal(headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
  t.match(String(headers['content-security-policy']), "frame-ancestors 'none'");
});
