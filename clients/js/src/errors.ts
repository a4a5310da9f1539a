// Program errors by name: a failed transaction's custom code becomes the program's error
// name and its meaning, for any deployment of the program (names come from the IDL).
import * as generatedErrors from './generated/errors/pStakePool.js';

export type StakePoolErrorInfo = { code: number; name: string; message: string };

const PREFIX = 'P_STAKE_POOL_ERROR__';
const NAMES: Map<number, string> = new Map(
  Object.entries(generatedErrors)
    .filter(([key, value]) => key.startsWith(PREFIX) && typeof value === 'number')
    .map(([key, value]) => [
      value as number,
      key
        .slice(PREFIX.length)
        .toLowerCase()
        .split('_')
        .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
        .join(''),
    ]),
);

/** The program's error for a custom error code, or undefined for a code it never returns. */
export function stakePoolError(code: number): StakePoolErrorInfo | undefined {
  const name = NAMES.get(code);
  if (name === undefined) return undefined;
  const message = generatedErrors.getPStakePoolErrorMessage(code as generatedErrors.PStakePoolError) ?? name;
  return { code, name, message };
}

/** `Name (code): meaning`, as a wallet shows a refused transaction. */
export function describeStakePoolError(code: number): string {
  const error = stakePoolError(code);
  return error ? `${error.name} (${code}): ${error.message}` : `unknown custom error ${code}`;
}

/**
 * The stake pool error inside a failed transaction, if there is one. Understands kit's
 * `SolanaError` for a custom instruction error (RPC send or simulate) and any object carrying
 * `{ code }` of a custom instruction error.
 */
export function findStakePoolError(error: unknown): StakePoolErrorInfo | undefined {
  let cursor: unknown = error;
  for (let depth = 0; depth < 8 && cursor && typeof cursor === 'object'; depth++) {
    const context = (cursor as { context?: { code?: unknown; __code?: unknown } }).context;
    if (context && typeof context.code === 'number') {
      const found = stakePoolError(context.code);
      if (found) return found;
    }
    cursor = (cursor as { cause?: unknown }).cause;
  }
  return undefined;
}
