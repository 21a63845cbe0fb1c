/** int8's type OID: the one type PGlite and node-postgres return differently by default. */
export const INT8_OID = 20;

export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`int8 value ${text} is beyond JavaScript's safe integer range`);
  }
  return value;
}

/** bigint parameters travel as text, which both drivers accept for int8. */
export function normaliseParams(params: readonly unknown[]): unknown[] {
  return params.map((value) => (typeof value === 'bigint' ? value.toString() : value));
}
