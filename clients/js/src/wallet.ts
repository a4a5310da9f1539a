// What a wallet sends: deposits and withdrawals of SOL and stake, each returning the
// instructions of one transaction (in order) and any new signers it needs. The pool is read
// fresh, so a stale pool or a missing validator is reported before anything is signed.
import {
  generateKeyPairSigner,
  getU32Encoder,
  type Address,
  type Instruction,
  type KeyPairSigner,
  type TransactionSigner,
} from '@solana/kit';
import { findAssociatedTokenPda, getCreateAssociatedTokenIdempotentInstruction } from '@solana-program/token';
import {
  getDepositSolInstruction,
  getDepositSolWithSlippageInstruction,
  getDepositStakeInstruction,
  getDepositStakeWithSlippageInstruction,
  getWithdrawSolInstruction,
  getWithdrawSolWithSlippageInstruction,
  getWithdrawStakeInstruction,
  getWithdrawStakeWithSlippageInstruction,
  findDepositAuthorityPda,
  StakeStatus,
  type Fee,
} from './generated/index.js';
import {
  getStakePoolInfo,
  transientStakeAddress,
  validatorIndex,
  validatorStakeAddress,
  type ProgramOption,
  type StakePoolInfo,
} from './pool.js';
import { getRequiredAccount, type AccountSource } from './source.js';
import {
  decodeStakeAccount,
  getCreateStakeAccountInstruction,
  getStakeAuthorizeInstruction,
  STAKE_ACCOUNT_SIZE,
} from './stake.js';

export type WalletTransaction = {
  /** The transaction's instructions, in order. */
  instructions: Instruction[];
  /** Accounts this transaction creates, which sign it (new stake accounts). */
  newAccounts: KeyPairSigner[];
  /** The pool token account that receives (deposits) or pays (withdrawals) pool tokens. */
  poolTokenAccount: Address;
};

type Common = ProgramOption & { source: AccountSource; stakePool: Address };

/**
 * Appends p-stake-pool's validator index hint (a u32 after the SPL data) to a DepositStake or
 * WithdrawStake instruction: the program then finds the entry in constant time instead of
 * scanning the list. A wrong hint only costs the scan.
 */
export function withValidatorIndexHint<T extends Instruction>(instruction: T, index: number): T {
  const data = instruction.data ?? new Uint8Array();
  const hinted = new Uint8Array(data.length + 4);
  hinted.set(data, 0);
  hinted.set(getU32Encoder().encode(index), data.length);
  return { ...instruction, data: hinted };
}

async function current(common: Common): Promise<StakePoolInfo> {
  const info = await getStakePoolInfo(common.source, common.stakePool, common);
  if (info.updateRequired) {
    throw new Error(
      `stake pool ${common.stakePool} was last updated in epoch ${info.pool.lastUpdateEpoch} ` +
        `(now ${info.currentEpoch}): run the epoch update first (updateStakePool)`,
    );
  }
  return info;
}

async function ownersTokenAccount(info: StakePoolInfo, owner: Address): Promise<Address> {
  const [ata] = await findAssociatedTokenPda({
    owner,
    mint: info.pool.poolMint,
    tokenProgram: info.pool.tokenProgramId,
  });
  return ata;
}

function createTokenAccountIfMissing(info: StakePoolInfo, payer: TransactionSigner, owner: Address, ata: Address) {
  return getCreateAssociatedTokenIdempotentInstruction({
    payer,
    ata,
    owner,
    mint: info.pool.poolMint,
    tokenProgram: info.pool.tokenProgramId,
  });
}

/** The pool keys every deposit and withdrawal names. */
function poolAccounts(info: StakePoolInfo) {
  return {
    stakePool: info.address,
    withdrawAuthority: info.withdrawAuthority,
    reserveStake: info.pool.reserveStake,
    managerFeeAccount: info.pool.managerFeeAccount,
    poolMint: info.pool.poolMint,
    tokenProgram: info.pool.tokenProgramId,
  };
}

/**
 * SOL in, pool tokens out. Without `destinationTokenAccount` the tokens go to `from`'s
 * associated token account, created in the same transaction if missing.
 */
export async function depositSol(
  input: Common & {
    from: TransactionSigner;
    lamports: bigint;
    destinationTokenAccount?: Address;
    referrerTokenAccount?: Address;
    solDepositAuthority?: TransactionSigner;
    minimumPoolTokensOut?: bigint;
  },
): Promise<WalletTransaction> {
  if (input.lamports <= 0n) throw new Error('deposit amount must be positive');
  const info = await current(input);
  const instructions: Instruction[] = [];
  let destination = input.destinationTokenAccount;
  if (!destination) {
    destination = await ownersTokenAccount(info, input.from.address);
    instructions.push(createTokenAccountIfMissing(info, input.from, input.from.address, destination));
  }
  const accounts = {
    ...poolAccounts(info),
    lamportsFrom: input.from,
    poolTokensTo: destination,
    referrerPoolTokensAccount: input.referrerTokenAccount ?? destination,
    solDepositAuthority: input.solDepositAuthority,
  };
  const config = { programAddress: info.programAddress };
  instructions.push(
    input.minimumPoolTokensOut === undefined
      ? getDepositSolInstruction({ ...accounts, lamports: input.lamports }, config)
      : getDepositSolWithSlippageInstruction(
          { ...accounts, lamportsIn: input.lamports, minimumPoolTokensOut: input.minimumPoolTokensOut },
          config,
        ),
  );
  return { instructions, newAccounts: [], poolTokenAccount: destination };
}

/** Pool tokens in, SOL out of the reserve to `destination`. */
export async function withdrawSol(
  input: Common & {
    /** Owner (or delegate) of the pool tokens. */
    owner: TransactionSigner;
    destination: Address;
    poolTokens: bigint;
    poolTokenAccount?: Address;
    solWithdrawAuthority?: TransactionSigner;
    minimumLamportsOut?: bigint;
  },
): Promise<WalletTransaction> {
  if (input.poolTokens <= 0n) throw new Error('withdrawal amount must be positive');
  const info = await current(input);
  const poolTokenAccount = input.poolTokenAccount ?? (await ownersTokenAccount(info, input.owner.address));
  const accounts = {
    ...poolAccounts(info),
    userTransferAuthority: input.owner,
    poolTokensFrom: poolTokenAccount,
    lamportsTo: input.destination,
    solWithdrawAuthority: input.solWithdrawAuthority,
  };
  const config = { programAddress: info.programAddress };
  const instruction =
    input.minimumLamportsOut === undefined
      ? getWithdrawSolInstruction({ ...accounts, poolTokens: input.poolTokens }, config)
      : getWithdrawSolWithSlippageInstruction(
          { ...accounts, poolTokensIn: input.poolTokens, minimumLamportsOut: input.minimumLamportsOut },
          config,
        );
  return { instructions: [instruction], newAccounts: [], poolTokenAccount };
}

/**
 * An active stake account joins the pool. `authority` is its current staker and withdrawer:
 * both roles move to the pool's deposit authority in the same transaction, then the deposit
 * runs with the validator index hint.
 */
export async function depositStake(
  input: Common & {
    stakeAccount: Address;
    authority: TransactionSigner;
    destinationTokenAccount?: Address;
    referrerTokenAccount?: Address;
    /** The pool's own stake deposit authority, when it sets one (it must sign). */
    stakeDepositAuthority?: TransactionSigner;
    minimumPoolTokensOut?: bigint;
  },
): Promise<WalletTransaction> {
  const info = await current(input);
  const stake = decodeStakeAccount((await getRequiredAccount(input.source, input.stakeAccount, 'stake account')).data);
  if (stake.kind !== 'stake') throw new Error(`${input.stakeAccount} is not a delegated stake account`);
  const vote = stake.delegation.voter;
  const index = validatorIndex(info, vote);
  const validator = info.validators[index]!;
  if (validator.status !== StakeStatus.Active) throw new Error(`validator ${vote} is being removed from the pool`);
  const preferred = info.pool.preferredDepositValidatorVoteAddress;
  if (preferred.__option === 'Some' && preferred.value !== vote) {
    throw new Error(`the pool takes stake deposits only for its preferred validator ${preferred.value}`);
  }
  const [defaultDepositAuthority] = await findDepositAuthorityPda(
    { stakePool: info.address },
    { programAddress: info.programAddress },
  );
  if (info.pool.stakeDepositAuthority !== defaultDepositAuthority && !input.stakeDepositAuthority) {
    throw new Error(`the pool's stake deposits need its deposit authority ${info.pool.stakeDepositAuthority} to sign`);
  }
  const depositAuthority = input.stakeDepositAuthority ?? defaultDepositAuthority;
  const depositAuthorityAddress = typeof depositAuthority === 'string' ? depositAuthority : depositAuthority.address;
  const instructions: Instruction[] = [];
  for (const role of ['staker', 'withdrawer'] as const) {
    instructions.push(
      getStakeAuthorizeInstruction({
        stakeAccount: input.stakeAccount,
        authority: input.authority,
        newAuthority: depositAuthorityAddress,
        role,
      }),
    );
  }
  let destination = input.destinationTokenAccount;
  if (!destination) {
    destination = await ownersTokenAccount(info, input.authority.address);
    instructions.push(createTokenAccountIfMissing(info, input.authority, input.authority.address, destination));
  }
  const accounts = {
    ...poolAccounts(info),
    validatorList: info.pool.validatorList,
    stakeDepositAuthority: depositAuthority,
    depositStake: input.stakeAccount,
    validatorStake: await validatorStakeAddress(info, validator),
    poolTokensTo: destination,
    referrerPoolTokensAccount: input.referrerTokenAccount ?? destination,
  };
  const config = { programAddress: info.programAddress };
  const deposit =
    input.minimumPoolTokensOut === undefined
      ? getDepositStakeInstruction(accounts, config)
      : getDepositStakeWithSlippageInstruction(
          { ...accounts, minimumPoolTokensOut: input.minimumPoolTokensOut },
          config,
        );
  instructions.push(withValidatorIndexHint(deposit, index));
  return { instructions, newAccounts: [], poolTokenAccount: destination };
}

/** One split of a stake withdrawal: where from, and how many pool tokens it burns. */
export type StakeWithdrawalPart = {
  stakeAccount: Address;
  /** The validator's vote account, or undefined for the reserve. */
  voteAccount?: Address;
  validatorIndex?: number;
  poolTokens: bigint;
};

/** Lamports a withdrawal of `poolTokens` pays before rounding (display and planning only). */
function lamportsFor(info: StakePoolInfo, poolTokens: bigint, fee: Fee): bigint {
  const { totalLamports, poolTokenSupply } = info.pool;
  if (poolTokenSupply === 0n) return 0n;
  const feeTokens = fee.denominator === 0n ? 0n : (poolTokens * fee.numerator + fee.denominator - 1n) / fee.denominator;
  return ((poolTokens - feeTokens) * totalLamports) / poolTokenSupply;
}

/** The most pool tokens whose withdrawal pays at most `lamports`. */
function tokensPaying(info: StakePoolInfo, lamports: bigint, fee: Fee): bigint {
  if (lamports <= 0n) return 0n;
  let low = 0n;
  let high = info.pool.poolTokenSupply;
  while (low < high) {
    const middle = (low + high + 1n) / 2n;
    if (lamportsFor(info, middle, fee) <= lamports) low = middle;
    else high = middle - 1n;
  }
  return low;
}

/**
 * Chooses the stake accounts a withdrawal of `poolTokens` splits from, by the program's rules:
 * the preferred withdraw validator first when it has stake to spare, then validators' active
 * stake (largest first), then transient stake, then the reserve once no validator can give.
 * Each split leaves the validator its rent and the stake program's minimum delegation.
 */
export async function planStakeWithdrawal(
  source: AccountSource,
  info: StakePoolInfo,
  poolTokens: bigint,
  options: { voteAccount?: Address; useReserve?: boolean } = {},
): Promise<StakeWithdrawalPart[]> {
  const rent = await source.getMinimumBalanceForRentExemption(STAKE_ACCOUNT_SIZE);
  const minimumDelegation = await source.getStakeMinimumDelegation();
  const keep = rent + minimumDelegation;
  const fee = info.fees.stakeWithdrawal;
  if (options.useReserve) {
    return [{ stakeAccount: info.pool.reserveStake, poolTokens }];
  }
  type Candidate = StakeWithdrawalPart & { spare: bigint; rank: number };
  const candidates: Candidate[] = [];
  const preferred = info.pool.preferredWithdrawValidatorVoteAddress;
  for (const [index, validator] of info.validators.entries()) {
    if (validator.status !== StakeStatus.Active) continue;
    if (options.voteAccount && validator.voteAccountAddress !== options.voteAccount) continue;
    const isPreferred = preferred.__option === 'Some' && preferred.value === validator.voteAccountAddress;
    const active = await validatorStakeAddress(info, validator);
    const transient = await transientStakeAddress(info, validator);
    const [activeAccount, transientAccount] = await source.getAccounts([active, transient]);
    const base = { voteAccount: validator.voteAccountAddress, validatorIndex: index, poolTokens: 0n };
    if (activeAccount && activeAccount.lamports > keep) {
      candidates.push({ ...base, stakeAccount: active, spare: activeAccount.lamports - keep, rank: isPreferred ? 0 : 1 });
    }
    if (transientAccount && transientAccount.lamports > keep) {
      candidates.push({ ...base, stakeAccount: transient, spare: transientAccount.lamports - keep, rank: 2 });
    }
  }
  candidates.sort((a, b) => a.rank - b.rank || (b.spare > a.spare ? 1 : b.spare < a.spare ? -1 : 0));
  const parts: StakeWithdrawalPart[] = [];
  let remaining = poolTokens;
  for (const candidate of candidates) {
    if (remaining === 0n) break;
    // A split must itself reach the minimum delegation.
    if (candidate.spare < minimumDelegation) continue;
    const take = tokensPaying(info, candidate.spare, fee);
    const tokens = take < remaining ? take : remaining;
    if (tokens === 0n || lamportsFor(info, tokens, fee) < minimumDelegation) continue;
    const { spare: _spare, rank: _rank, ...part } = candidate;
    parts.push({ ...part, poolTokens: tokens });
    remaining -= tokens;
  }
  if (remaining > 0n) {
    const reserveSpare = info.reserveLamports - rent;
    if (candidates.length === 0 && !options.voteAccount && lamportsFor(info, remaining, fee) <= reserveSpare) {
      parts.push({ stakeAccount: info.pool.reserveStake, poolTokens: remaining });
    } else {
      throw new Error(
        `no stake accounts in the pool can pay a withdrawal of ${poolTokens} pool tokens ` +
          `(${remaining} left over); withdraw less, or withdraw SOL`,
      );
    }
  }
  return parts;
}

/**
 * Pool tokens in, stake accounts out: one new stake account per part of the plan (see
 * `planStakeWithdrawal`), owned by `newStakeAuthority`, each paid for by `owner`.
 */
export async function withdrawStake(
  input: Common & {
    owner: TransactionSigner;
    poolTokens: bigint;
    newStakeAuthority?: Address;
    poolTokenAccount?: Address;
    voteAccount?: Address;
    useReserve?: boolean;
    /** Refuse any part that would pay fewer lamports than its share of this minimum. */
    minimumLamportsOut?: bigint;
  },
): Promise<WalletTransaction & { parts: StakeWithdrawalPart[] }> {
  if (input.poolTokens <= 0n) throw new Error('withdrawal amount must be positive');
  const info = await current(input);
  const poolTokenAccount = input.poolTokenAccount ?? (await ownersTokenAccount(info, input.owner.address));
  const parts = await planStakeWithdrawal(input.source, info, input.poolTokens, input);
  const rent = await input.source.getMinimumBalanceForRentExemption(STAKE_ACCOUNT_SIZE);
  const instructions: Instruction[] = [];
  const newAccounts: KeyPairSigner[] = [];
  const config = { programAddress: info.programAddress };
  for (const part of parts) {
    const newAccount = await generateKeyPairSigner();
    newAccounts.push(newAccount);
    instructions.push(getCreateStakeAccountInstruction({ payer: input.owner, newAccount, rentExemption: rent }));
    const accounts = {
      ...poolAccounts(info),
      validatorList: info.pool.validatorList,
      stakeToSplit: part.stakeAccount,
      stakeToReceive: newAccount.address,
      userStakeAuthority: input.newStakeAuthority ?? input.owner.address,
      userTransferAuthority: input.owner,
      poolTokensFrom: poolTokenAccount,
    };
    const minimum =
      input.minimumLamportsOut === undefined
        ? undefined
        : (input.minimumLamportsOut * part.poolTokens) / input.poolTokens;
    const withdraw =
      minimum === undefined
        ? getWithdrawStakeInstruction({ ...accounts, poolTokens: part.poolTokens }, config)
        : getWithdrawStakeWithSlippageInstruction(
            { ...accounts, poolTokensIn: part.poolTokens, minimumLamportsOut: minimum },
            config,
          );
    instructions.push(part.validatorIndex === undefined ? withdraw : withValidatorIndexHint(withdraw, part.validatorIndex));
  }
  return { instructions, newAccounts, poolTokenAccount, parts };
}
