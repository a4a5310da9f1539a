// Pool info as a wallet shows it: the decoded pool and validator list, the exchange rate, the
// fees, the reserve, and whether the epoch update is due (deposits and withdrawals are refused
// until it has run).
import type { Address } from '@solana/kit';
import {
  decodeStakePool,
  decodeValidatorList,
  findValidatorStakePda,
  findValidatorStakeWithSeedPda,
  findTransientStakePda,
  findWithdrawAuthorityPda,
  P_STAKE_POOL_PROGRAM_ADDRESS,
  type Fee,
  type StakePool,
  type ValidatorStakeInfo,
} from './generated/index.js';
import { getRequiredAccount, type AccountSource } from './source.js';

export type ProgramOption = {
  /** The stake pool program's address (this program's own deployment by default). */
  programAddress?: Address;
};

export type StakePoolInfo = {
  address: Address;
  programAddress: Address;
  pool: StakePool;
  validators: ValidatorStakeInfo[];
  maxValidators: number;
  withdrawAuthority: Address;
  /** Lamports in the reserve stake account (including its rent). */
  reserveLamports: bigint;
  currentEpoch: bigint;
  /** The epoch update has not run this epoch: deposits and withdrawals fail until it does. */
  updateRequired: boolean;
  /** SOL value of one pool token (display only: the program's integer math decides amounts). */
  solPerPoolToken: number;
  fees: {
    epoch: Fee;
    solDeposit: Fee;
    stakeDeposit: Fee;
    solWithdrawal: Fee;
    stakeWithdrawal: Fee;
    solReferralPercent: number;
    stakeReferralPercent: number;
  };
};

function programOf(options?: ProgramOption): Address {
  return options?.programAddress ?? P_STAKE_POOL_PROGRAM_ADDRESS;
}

/** Reads a pool, its validator list and its reserve in one round trip, and the epoch. */
export async function getStakePoolInfo(
  source: AccountSource,
  stakePool: Address,
  options?: ProgramOption,
): Promise<StakePoolInfo> {
  const programAddress = programOf(options);
  const poolAccount = await getRequiredAccount(source, stakePool, 'stake pool');
  if (poolAccount.programAddress !== programAddress) {
    throw new Error(`${stakePool} is not a pool of program ${programAddress} (owner ${poolAccount.programAddress})`);
  }
  const pool = decodeStakePool({ ...asEncodedAccount(poolAccount), address: stakePool }).data;
  const [listAccount, reserveAccount] = await source.getAccounts([pool.validatorList, pool.reserveStake]);
  if (!listAccount) throw new Error(`validator list ${pool.validatorList} does not exist`);
  if (!reserveAccount) throw new Error(`reserve stake ${pool.reserveStake} does not exist`);
  const list = decodeValidatorList({ ...asEncodedAccount(listAccount), address: pool.validatorList }).data;
  const currentEpoch = await source.getEpoch();
  const [withdrawAuthority] = await findWithdrawAuthorityPda({ stakePool }, { programAddress });
  return {
    address: stakePool,
    programAddress,
    pool,
    validators: list.validators,
    maxValidators: list.maxValidators,
    withdrawAuthority,
    reserveLamports: reserveAccount.lamports,
    currentEpoch,
    updateRequired: pool.lastUpdateEpoch < currentEpoch,
    solPerPoolToken: pool.poolTokenSupply === 0n ? 1 : Number(pool.totalLamports) / Number(pool.poolTokenSupply),
    fees: {
      epoch: pool.epochFee,
      solDeposit: pool.solDepositFee,
      stakeDeposit: pool.stakeDepositFee,
      solWithdrawal: pool.solWithdrawalFee,
      stakeWithdrawal: pool.stakeWithdrawalFee,
      solReferralPercent: pool.solReferralFee,
      stakeReferralPercent: pool.stakeReferralFee,
    },
  };
}

/** A `ChainAccount` in the shape the generated decoders take. */
export function asEncodedAccount(account: { data: Uint8Array; lamports: bigint; programAddress: Address }) {
  return {
    data: account.data,
    executable: false,
    exists: true as const,
    lamports: account.lamports as never,
    programAddress: account.programAddress,
    space: BigInt(account.data.length),
  };
}

/** The validator's stake account in the pool (seed 0 is no seed, as the program derives it). */
export async function validatorStakeAddress(
  info: Pick<StakePoolInfo, 'address' | 'programAddress'>,
  validator: Pick<ValidatorStakeInfo, 'voteAccountAddress' | 'validatorSeedSuffix'>,
): Promise<Address> {
  const seeds = { voteAccount: validator.voteAccountAddress, stakePool: info.address };
  const [pda] =
    validator.validatorSeedSuffix === 0
      ? await findValidatorStakePda(seeds, { programAddress: info.programAddress })
      : await findValidatorStakeWithSeedPda(
          { ...seeds, seed: validator.validatorSeedSuffix },
          { programAddress: info.programAddress },
        );
  return pda;
}

/** The validator's transient stake account for its current transient seed. */
export async function transientStakeAddress(
  info: Pick<StakePoolInfo, 'address' | 'programAddress'>,
  validator: Pick<ValidatorStakeInfo, 'voteAccountAddress' | 'transientSeedSuffix'>,
): Promise<Address> {
  const [pda] = await findTransientStakePda(
    { voteAccount: validator.voteAccountAddress, stakePool: info.address, seed: validator.transientSeedSuffix },
    { programAddress: info.programAddress },
  );
  return pda;
}

/** The entry's index in the validator list, for the index hint (`withValidatorIndexHint`). */
export function validatorIndex(info: Pick<StakePoolInfo, 'validators'>, voteAccount: Address): number {
  const index = info.validators.findIndex((v) => v.voteAccountAddress === voteAccount);
  if (index < 0) throw new Error(`validator ${voteAccount} is not in the pool`);
  return index;
}
