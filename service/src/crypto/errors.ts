/**
 * A value could not be decrypted: it was altered, truncated, copied from another row or column, or
 * its master key is not configured. The message names the cause but never plaintext or key material.
 */
export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}
