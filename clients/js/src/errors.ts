// Program errors by name: a failed transaction's custom code becomes the program's error
// name and its meaning, for any deployment of the program (names come from the IDL).
import { isSolanaError, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM, type Address, type Instruction } from '@solana/kit';
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
 * The stake pool error inside a failed transaction, if there is one: kit's `SolanaError` for
 * a custom instruction error (as an RPC send or simulation raises it, or as
 * `getSolanaErrorFromTransactionError` makes it from a transaction status), looked for along
 * its `cause` chain. Custom codes are per program (the token program's 1 is not the pool's
 * InvalidProgramAddress), so give the transaction's instructions and the pool program's
 * address and an error of any other instruction is not taken for the pool's.
 */
export function findStakePoolError(
  error: unknown,
  transaction?: {
    instructions: readonly Instruction[];
    programAddress: Address;
    /**
     * The transaction's logs. An error a program called by the pool returned surfaces under
     * the pool's instruction with that program's code; the pool logs `Error: <Name>` for its
     * own errors, so with the logs such a code is not mistaken for the pool's.
     */
    logs?: readonly string[];
  },
): StakePoolErrorInfo | undefined {
  let cursor: unknown = error;
  for (let depth = 0; depth < 8 && cursor && typeof cursor === 'object'; depth++) {
    if (isSolanaError(cursor, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM)) {
      const { code, index } = cursor.context;
      if (transaction && transaction.instructions[index]?.programAddress !== transaction.programAddress) return undefined;
      const found = stakePoolError(code);
      if (found && transaction?.logs && !transaction.logs.some((line) => line.endsWith(`Error: ${found.name}`))) return undefined;
      return found;
    }
    cursor = (cursor as { cause?: unknown }).cause;
  }
  return undefined;
}
