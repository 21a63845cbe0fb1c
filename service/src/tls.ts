import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import type { Config } from './config.ts';

export interface TlsMaterial {
  cert: string;
  key: string;
}

export class TlsError extends Error {
  override name = 'TlsError';
}

/**
 * The certificate to serve: the configured files; none behind a TLS-terminating proxy; or, in
 * sandbox mode, a self-signed one for localhost made once and kept in the data folder.
 */
export async function loadTls(config: Config): Promise<TlsMaterial | undefined> {
  if (config.tls) {
    return { cert: readPem(config.tls.certFile, 'TLS_CERT_FILE'), key: readPem(config.tls.keyFile, 'TLS_KEY_FILE') };
  }
  if (config.trustProxy) return undefined;
  return sandboxCertificate(join(config.dataDir, 'tls'));
}

function readPem(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new TlsError(`${variable} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

async function sandboxCertificate(dir: string): Promise<TlsMaterial> {
  const certFile = join(dir, 'localhost.crt');
  const keyFile = join(dir, 'localhost.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    const kept = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    if (new Date(new X509Certificate(kept.cert).validTo) > new Date(Date.now() + 86_400_000)) return kept;
  }
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 1);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert);
  return { cert: pems.cert, key: pems.private };
}
