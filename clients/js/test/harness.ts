// A LiteSVM chain (npm `litesvm`, default feature set: mainnet-beta's) with the program's
// built .so loaded, and the steps a test needs: pools, vote accounts, delegated stake, epochs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FailedTransactionMetadata, LiteSVM, TransactionMetadata } from 'litesvm';
import {
  AccountRole,
  address,
  appendTransactionMessageInstructions,
  compileTransaction,
  createTransactionMessage,
  generateKeyPairSigner,
  getAddressEncoder,
  getU32Encoder,
  getU64Encoder,
  lamports,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransaction,
  type Address,
  type Instruction,
  type KeyPairSigner,
} from '@solana/kit';
import { getCreateAccountInstruction } from '@solana-program/system';
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstruction,
  getInitializeMint2Instruction,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import {
  findValidatorStakePda,
  findWithdrawAuthorityPda,
  getInitializeInstruction,
  getAddValidatorToPoolInstruction,
  getStakePoolInfo,
  type AccountSource,
  type ChainAccount,
  STAKE_PROGRAM_ADDRESS,
  updateStakePool,
  describeStakePoolError,
} from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from clients/js/dist/test). */
export const ROOT = path.resolve(here, '../../../..');
/** The built program (`P_STAKE_POOL_SO` overrides, e.g. for the SBPF v3 build). */
export const PROGRAM_SO =
  process.env.P_STAKE_POOL_SO ?? path.join(process.env.P_STAKE_POOL_SO_DIR ?? path.join(ROOT, 'target/deploy'), 'p_stake_pool.so');
export const SPL_STAKE_POOL_ADDRESS = address('SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy');
export const METADATA_PROGRAM_ADDRESS = address('metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s');
const VOTE_PROGRAM = address('Vote111111111111111111111111111111111111111');
const RENT_SYSVAR = address('SysvarRent111111111111111111111111111111111');
const CLOCK_SYSVAR = address('SysvarC1ock11111111111111111111111111111111');
const STAKE_HISTORY_SYSVAR = address('SysvarStakeHistory1111111111111111111111111');
const STAKE_CONFIG = address('StakeConfig11111111111111111111111111111111');
export const LAMPORTS_PER_SOL = 1_000_000_000n;
export const STAKE_POOL_SIZE = 611n;
const VOTE_ACCOUNT_SIZE = 3762n;

function airdrop(svm: LiteSVM, to: Address, amount: bigint): void {
  const result = svm.airdrop(to, lamports(amount));
  if (!(result instanceof TransactionMetadata)) throw new Error(`airdrop failed: ${result?.toString()}`);
}

export type Sent = { ok: true; meta: TransactionMetadata } | { ok: false; failure: FailedTransactionMetadata; customCode?: number; instructionIndex?: number };

export class Chain {
  readonly svm: LiteSVM;
  readonly payer: KeyPairSigner;
  private constructor(svm: LiteSVM, payer: KeyPairSigner) {
    this.svm = svm;
    this.payer = payer;
  }

  /** A fresh chain with the pool program at `programAddress` (the metadata program too). */
  static async start(programAddress: Address): Promise<Chain> {
    const svm = new LiteSVM();
    svm.addProgramFromFile(programAddress, PROGRAM_SO);
    svm.addProgramFromFile(METADATA_PROGRAM_ADDRESS, path.join(ROOT, 'tests/fixtures/mpl_token_metadata.so'));
    const payer = await generateKeyPairSigner();
    airdrop(svm, payer.address, 100_000n * LAMPORTS_PER_SOL);
    return new Chain(svm, payer);
  }

  /** Signs with the payer, every signer the instructions embed, and `extra`. */
  async send(instructions: Instruction[], extra: KeyPairSigner[] = []): Promise<Sent> {
    const signers = new Map<string, KeyPairSigner>([[this.payer.address, this.payer]]);
    for (const instruction of instructions) {
      for (const meta of instruction.accounts ?? []) {
        const signer = (meta as { signer?: KeyPairSigner }).signer;
        if (signer && 'keyPair' in signer) signers.set(signer.address, signer);
      }
    }
    for (const signer of extra) signers.set(signer.address, signer);
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayer(this.payer.address, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: this.svm.latestBlockhash(), lastValidBlockHeight: 0n }, m),
      (m) => appendTransactionMessageInstructions(instructions, m),
    );
    const transaction = await signTransaction(
      [...signers.values()].map((s) => s.keyPair),
      compileTransaction(message),
    );
    const result = this.svm.sendTransaction(transaction);
    this.svm.expireBlockhash();
    if (result instanceof FailedTransactionMetadata) {
      const err = result.err() as { index?: number; err?: () => unknown };
      const inner = typeof err?.err === 'function' ? (err.err() as { code?: number }) : undefined;
      return {
        ok: false,
        failure: result,
        customCode: typeof inner?.code === 'number' ? inner.code : undefined,
        instructionIndex: err?.index,
      };
    }
    return { ok: true, meta: result };
  }

  /** Sends and fails the test, with the logs and the program's error by name, unless it succeeds. */
  async mustSend(instructions: Instruction[], extra: KeyPairSigner[] = []): Promise<TransactionMetadata> {
    const sent = await this.send(instructions, extra);
    if (!sent.ok) {
      const name = sent.customCode === undefined ? '' : ` ${describeStakePoolError(sent.customCode)}`;
      throw new Error(`transaction failed:${name} ${sent.failure.toString()}\n${sent.failure.meta().prettyLogs()}`);
    }
    return sent.meta;
  }

  account(address: Address): ChainAccount | null {
    const account = this.svm.getAccount(address);
    if (!account.exists) return null;
    return { address, data: new Uint8Array(account.data), lamports: account.lamports, programAddress: account.programAddress };
  }

  balance(address: Address): bigint {
    return this.svm.getBalance(address) ?? 0n;
  }

  tokenBalance(tokenAccount: Address): bigint {
    const account = this.account(tokenAccount);
    if (!account) return 0n;
    return new DataView(account.data.buffer, account.data.byteOffset).getBigUint64(64, true);
  }

  epoch(): bigint {
    return this.svm.getClock().epoch;
  }

  /** Moves to the first slot of the next epoch. */
  nextEpoch(): void {
    const schedule = this.svm.getEpochSchedule();
    const clock = this.svm.getClock();
    const next = clock.epoch + 1n;
    // Warmup epochs double in length from 32 slots (the epoch schedule's definition).
    const firstSlot =
      next < schedule.firstNormalEpoch
        ? 32n * (2n ** next - 1n)
        : schedule.firstNormalSlot + (next - schedule.firstNormalEpoch) * schedule.slotsPerEpoch;
    this.svm.warpToSlot(firstSlot);
    // LiteSVM's warp moves the slot only; the clock's epoch is set as a bank would at the boundary.
    const warped = this.svm.getClock();
    warped.epoch = next;
    warped.leaderScheduleEpoch = next + 1n;
    warped.epochStartTimestamp = warped.unixTimestamp + 172_800n;
    warped.unixTimestamp = warped.epochStartTimestamp;
    this.svm.setClock(warped);
    if (this.svm.getClock().epoch !== next) throw new Error(`warp reached epoch ${this.svm.getClock().epoch}, not ${next}`);
  }

  rent(space: bigint): bigint {
    return this.svm.minimumBalanceForRentExemption(space);
  }

  /** The stake program's minimum delegation, asked of the stake program itself. */
  async minimumDelegation(): Promise<bigint> {
    const meta = await this.mustSend([{ programAddress: STAKE_PROGRAM_ADDRESS, data: getU32Encoder().encode(13) as Uint8Array }]);
    const data = meta.returnData().data();
    return new DataView(data.buffer, data.byteOffset).getBigUint64(0, true);
  }

  /** The wallet layer's view of this chain. */
  source(): AccountSource {
    return {
      getAccounts: async (addresses) => addresses.map((a) => this.account(a)),
      getEpoch: async () => this.epoch(),
      getMinimumBalanceForRentExemption: async (space) => this.rent(space),
      getStakeMinimumDelegation: () => this.minimumDelegation(),
    };
  }

  async newAccount(space: bigint, owner: Address, extraLamports = 0n): Promise<KeyPairSigner> {
    const account = await generateKeyPairSigner();
    await this.mustSend([
      getCreateAccountInstruction({
        payer: this.payer,
        newAccount: account,
        lamports: this.rent(space) + extraLamports,
        space,
        programAddress: owner,
      }),
    ]);
    return account;
  }

  async fundedWallet(sol: bigint): Promise<KeyPairSigner> {
    const wallet = await generateKeyPairSigner();
    airdrop(this.svm, wallet.address, sol * LAMPORTS_PER_SOL);
    return wallet;
  }

  async tokenAccount(mint: Address, owner: Address): Promise<Address> {
    const [ata] = await findAssociatedTokenPda({ owner, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    await this.mustSend([getCreateAssociatedTokenIdempotentInstruction({ payer: this.payer, ata, owner, mint })]);
    return ata;
  }

  /** A vote account created through the vote program (InitializeAccount). */
  async voteAccount(): Promise<Address> {
    const vote = await generateKeyPairSigner();
    const node = await generateKeyPairSigner();
    const data = new Uint8Array(4 + 32 * 3 + 1);
    data.set(getU32Encoder().encode(0), 0);
    data.set(getAddressEncoder().encode(node.address), 4);
    data.set(getAddressEncoder().encode(node.address), 36);
    data.set(getAddressEncoder().encode(node.address), 68);
    data[100] = 5; // commission
    await this.mustSend(
      [
        getCreateAccountInstruction({
          payer: this.payer,
          newAccount: vote,
          lamports: this.rent(VOTE_ACCOUNT_SIZE) * 10n,
          space: VOTE_ACCOUNT_SIZE,
          programAddress: VOTE_PROGRAM,
        }),
        {
          programAddress: VOTE_PROGRAM,
          accounts: [
            { address: vote.address, role: AccountRole.WRITABLE },
            { address: RENT_SYSVAR, role: AccountRole.READONLY },
            { address: CLOCK_SYSVAR, role: AccountRole.READONLY },
            { address: node.address, role: AccountRole.READONLY_SIGNER },
          ],
          data,
        },
      ],
      [node],
    );
    return vote.address;
  }

  /** Stake program Initialize instructions for a new account with `staker`/`withdrawer`. */
  stakeInitialize(stake: Address, staker: Address, withdrawer: Address): Instruction {
    const data = new Uint8Array(4 + 64 + 48);
    data.set(getU32Encoder().encode(0), 0);
    data.set(getAddressEncoder().encode(staker), 4);
    data.set(getAddressEncoder().encode(withdrawer), 36);
    return {
      programAddress: STAKE_PROGRAM_ADDRESS,
      accounts: [
        { address: stake, role: AccountRole.WRITABLE },
        { address: RENT_SYSVAR, role: AccountRole.READONLY },
      ],
      data,
    };
  }

  /** A stake account of `sol` SOL delegated to `vote`, `owner` both authorities. */
  async delegatedStake(owner: KeyPairSigner, vote: Address, sol: bigint): Promise<KeyPairSigner> {
    const stake = await this.newAccount(200n, STAKE_PROGRAM_ADDRESS, sol * LAMPORTS_PER_SOL);
    await this.mustSend(
      [
        this.stakeInitialize(stake.address, owner.address, owner.address),
        {
          programAddress: STAKE_PROGRAM_ADDRESS,
          accounts: [
            { address: stake.address, role: AccountRole.WRITABLE },
            { address: vote, role: AccountRole.READONLY },
            { address: CLOCK_SYSVAR, role: AccountRole.READONLY },
            { address: STAKE_HISTORY_SYSVAR, role: AccountRole.READONLY },
            { address: STAKE_CONFIG, role: AccountRole.READONLY },
            { address: owner.address, role: AccountRole.READONLY_SIGNER },
          ],
          data: getU32Encoder().encode(2) as Uint8Array,
        },
      ],
      [owner],
    );
    return stake;
  }
}

export type Fees = {
  epoch?: [bigint, bigint];
  withdrawal?: [bigint, bigint];
  deposit?: [bigint, bigint];
  referralPercent?: number;
};

export type TestPool = {
  programAddress: Address;
  stakePool: Address;
  validatorList: Address;
  reserveStake: Address;
  poolMint: Address;
  managerFeeAccount: Address;
  withdrawAuthority: Address;
  manager: KeyPairSigner;
  staker: KeyPairSigner;
};

/** A pool created with the generated client's Initialize, reserve funded with `reserveSol`. */
export async function createPool(
  chain: Chain,
  programAddress: Address,
  options: { fees?: Fees; maxValidators?: number; reserveSol?: bigint } = {},
): Promise<TestPool> {
  const manager = await chain.fundedWallet(100n);
  const staker = await chain.fundedWallet(100n);
  const maxValidators = options.maxValidators ?? 10;
  const stakePool = await chain.newAccount(STAKE_POOL_SIZE, programAddress);
  const validatorList = await chain.newAccount(BigInt(5 + 4 + 73 * maxValidators), programAddress);
  const [withdrawAuthority] = await findWithdrawAuthorityPda({ stakePool: stakePool.address }, { programAddress });
  const reserveStake = await chain.newAccount(200n, STAKE_PROGRAM_ADDRESS, (options.reserveSol ?? 1n) * LAMPORTS_PER_SOL);
  await chain.mustSend([chain.stakeInitialize(reserveStake.address, withdrawAuthority, withdrawAuthority)]);
  const mint = await chain.newAccount(82n, TOKEN_PROGRAM_ADDRESS);
  await chain.mustSend([getInitializeMint2Instruction({ mint: mint.address, decimals: 9, mintAuthority: withdrawAuthority })]);
  const managerFeeAccount = await chain.tokenAccount(mint.address, manager.address);
  const fee = (pair?: [bigint, bigint]) => ({ numerator: pair?.[0] ?? 0n, denominator: pair?.[1] ?? 0n });
  await chain.mustSend([
    getInitializeInstruction(
      {
        stakePool: stakePool.address,
        manager,
        staker: staker.address,
        withdrawAuthority,
        validatorList: validatorList.address,
        reserveStake: reserveStake.address,
        poolMint: mint.address,
        managerFeeAccount,
        fee: fee(options.fees?.epoch),
        withdrawalFee: fee(options.fees?.withdrawal),
        depositFee: fee(options.fees?.deposit),
        referralFee: options.fees?.referralPercent ?? 0,
        maxValidators,
      },
      { programAddress },
    ),
  ]);
  return {
    programAddress,
    stakePool: stakePool.address,
    validatorList: validatorList.address,
    reserveStake: reserveStake.address,
    poolMint: mint.address,
    managerFeeAccount,
    withdrawAuthority,
    manager,
    staker,
  };
}

/** Adds a validator through the generated client (PDA derived by the client). */
export async function addValidator(chain: Chain, pool: TestPool, vote: Address): Promise<void> {
  const [validatorStake] = await findValidatorStakePda(
    { voteAccount: vote, stakePool: pool.stakePool },
    { programAddress: pool.programAddress },
  );
  await chain.mustSend([
    getAddValidatorToPoolInstruction(
      {
        stakePool: pool.stakePool,
        staker: pool.staker,
        reserveStake: pool.reserveStake,
        withdrawAuthority: pool.withdrawAuthority,
        validatorList: pool.validatorList,
        validatorStake,
        voteAccount: vote,
        seed: 0,
      },
      { programAddress: pool.programAddress },
    ),
  ]);
}

/** Runs the wallet layer's epoch update; returns the number of transactions it sent. */
export async function runUpdate(chain: Chain, pool: TestPool, options: { force?: boolean } = {}): Promise<number> {
  const plan = await updateStakePool({
    source: chain.source(),
    stakePool: pool.stakePool,
    programAddress: pool.programAddress,
    ...options,
  });
  for (const transaction of plan.validatorListTransactions) await chain.mustSend(transaction);
  await chain.mustSend(plan.finalTransaction);
  return plan.validatorListTransactions.length + 1;
}

export async function poolState(chain: Chain, pool: TestPool) {
  return getStakePoolInfo(chain.source(), pool.stakePool, { programAddress: pool.programAddress });
}

export const u64 = (value: bigint) => getU64Encoder().encode(value);
