/** Errors a user can read: which op, which shapes/dtypes, what was expected. */

export class KilnError extends Error {
  override name = 'KilnError';
}

/** A bad operand or attribute for an op: thrown by shape/dtype inference and the verifier. */
export class OpError extends KilnError {
  override name = 'OpError';
  constructor(readonly op: string, detail: string) {
    super(`${op}: ${detail}`);
  }
}
