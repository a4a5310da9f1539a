// The epoch update as transactions: the validator-list refreshes (independent of each other,
// so they can be sent at once), then one transaction that recomputes the pool's value and
// drops removed entries. Until it has run in an epoch, deposits and withdrawals fail.
import { getU32Encoder, type Address, type Instruction } from '@solana/kit';
import {
  getCleanupRemovedValidatorEntriesInstruction,
  getUpdateStakePoolBalanceInstruction,
  getUpdateValidatorListBalanceInstruction,
} from './generated/index.js';
import { getStakePoolInfo, transientStakeAddress, validatorStakeAddress, type ProgramOption } from './pool.js';
import type { AccountSource } from './source.js';

const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111' as Address;

/**
 * Validator pairs per list-refresh transaction. Each pair adds two accounts (64 bytes); with
 * the pool's seven accounts, the fee payer, the program and a compute-budget instruction,
 * eleven pairs fit a legacy transaction's 1,232 bytes.
 */
export const MAX_VALIDATORS_PER_UPDATE_TRANSACTION = 11;
/** Compute units a pair may take when both of its stake accounts merge (the worst case). */
const COMPUTE_UNITS_PER_VALIDATOR = 40_000;

export type UpdatePlan = {
  /** List refreshes: independent, may be sent concurrently. */
  validatorListTransactions: Instruction[][];
  /** UpdateStakePoolBalance and CleanupRemovedValidatorEntries, after all of the above. */
  finalTransaction: Instruction[];
};

/** ComputeBudget `SetComputeUnitLimit`. */
function computeUnitLimit(units: number): Instruction {
  const data = new Uint8Array(5);
  data[0] = 2;
  data.set(getU32Encoder().encode(units), 1);
  return { programAddress: COMPUTE_BUDGET_PROGRAM, data };
}

/**
 * The transactions that bring a pool up to date. `staleOnly` (the default) skips entries
 * already refreshed this epoch unless `force`; `noMerge` leaves transient stake unmerged.
 */
export async function updateStakePool(
  input: ProgramOption & {
    source: AccountSource;
    stakePool: Address;
    noMerge?: boolean;
    force?: boolean;
    maxValidatorsPerTransaction?: number;
  },
): Promise<UpdatePlan> {
  const info = await getStakePoolInfo(input.source, input.stakePool, input);
  const perTransaction = input.maxValidatorsPerTransaction ?? MAX_VALIDATORS_PER_UPDATE_TRANSACTION;
  if (perTransaction < 1) throw new Error('maxValidatorsPerTransaction must be at least 1');
  const config = { programAddress: info.programAddress };
  const validatorListTransactions: Instruction[][] = [];
  for (let start = 0; start < info.validators.length; start += perTransaction) {
    const chunk = info.validators.slice(start, start + perTransaction);
    if (!input.force && chunk.every((v) => v.lastUpdateEpoch >= info.currentEpoch)) continue;
    const stakeAccounts: Address[] = [];
    for (const validator of chunk) {
      stakeAccounts.push(await validatorStakeAddress(info, validator), await transientStakeAddress(info, validator));
    }
    const refresh = getUpdateValidatorListBalanceInstruction(
      {
        stakePool: info.address,
        withdrawAuthority: info.withdrawAuthority,
        validatorList: info.pool.validatorList,
        reserveStake: info.pool.reserveStake,
        startIndex: start,
        noMerge: input.noMerge ?? false,
        stakeAccounts,
      },
      config,
    );
    validatorListTransactions.push([
      computeUnitLimit(Math.min(1_400_000, 20_000 + chunk.length * COMPUTE_UNITS_PER_VALIDATOR)),
      refresh,
    ]);
  }
  const finalTransaction: Instruction[] = [
    getUpdateStakePoolBalanceInstruction(
      {
        stakePool: info.address,
        withdrawAuthority: info.withdrawAuthority,
        validatorList: info.pool.validatorList,
        reserveStake: info.pool.reserveStake,
        managerFeeAccount: info.pool.managerFeeAccount,
        poolMint: info.pool.poolMint,
        tokenProgram: info.pool.tokenProgramId,
      },
      config,
    ),
    getCleanupRemovedValidatorEntriesInstruction(
      { stakePool: info.address, validatorList: info.pool.validatorList },
      config,
    ),
  ];
  return { validatorListTransactions, finalTransaction };
}
