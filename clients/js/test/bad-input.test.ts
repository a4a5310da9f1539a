// Bad input a wallet could send: each is refused with the program's error, surfaced by name
// through kit's own error conversion, and changes nothing on chain.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { generateKeyPairSigner, getSolanaErrorFromTransactionError, type Address, type Instruction } from '@solana/kit';
import {
  depositSol,
  findStakePoolError,
  getDepositSolInstruction,
  getIncreaseValidatorStakeInstruction,
  findTransientStakePda,
  findValidatorStakePda,
  withdrawSol,
  type StakePoolErrorInfo,
} from '../src/index.js';
import { addValidator, Chain, createPool, LAMPORTS_PER_SOL, runUpdate, type TestPool } from './harness.js';

const SOL = LAMPORTS_PER_SOL;

describe('bad input from a wallet', () => {
  let chain: Chain;
  let pool: TestPool;
  let programAddress: Address;
  let user: Awaited<ReturnType<typeof generateKeyPairSigner>>;
  let userTokens: Address;

  /** Sends, expects failure, checks that no watched account changed, returns the pool error. */
  async function refused(instructions: Instruction[], watched: Address[]): Promise<StakePoolErrorInfo | undefined> {
    const before = watched.map((a) => chain.account(a));
    const sent = await chain.send(instructions, [user]);
    assert.equal(sent.ok, false, 'the transaction must fail');
    assert.deepEqual(
      watched.map((a) => chain.account(a)),
      before,
      'a refused transaction changes nothing',
    );
    if (sent.ok || sent.instructionIndex === undefined || sent.customCode === undefined) return undefined;
    // The transaction status an RPC node reports, turned into kit's error as a wallet gets it.
    const status = { InstructionError: [sent.instructionIndex, { Custom: sent.customCode }] };
    const logs = sent.failure.meta().logs();
    return findStakePoolError(getSolanaErrorFromTransactionError(status as never), { instructions, programAddress, logs });
  }

  before(async () => {
    programAddress = (await generateKeyPairSigner()).address;
    chain = await Chain.start(programAddress);
    pool = await createPool(chain, programAddress, { reserveSol: 10n });
    user = await chain.fundedWallet(100n);
    const deposit = await depositSol({ source: chain.source(), stakePool: pool.stakePool, programAddress, from: user, lamports: 50n * SOL });
    await chain.mustSend(deposit.instructions);
    userTokens = deposit.poolTokenAccount;
  });

  it('a wrong fee account is InvalidFeeAccount', async () => {
    const otherTokens = await chain.tokenAccount(pool.poolMint, (await generateKeyPairSigner()).address);
    const { instructions } = await depositSol({ source: chain.source(), stakePool: pool.stakePool, programAddress, from: user, lamports: SOL });
    const deposit = instructions[instructions.length - 1]!;
    // Swap the manager fee account (index 5 of DepositSol) for another holder's account.
    const tampered = { ...deposit, accounts: deposit.accounts!.map((meta, i) => (i === 5 ? { ...meta, address: otherTokens } : meta)) };
    const error = await refused([tampered], [pool.stakePool, pool.reserveStake, userTokens, otherTokens, pool.managerFeeAccount]);
    assert.equal(error?.name, 'InvalidFeeAccount');
    assert.equal(error?.code, 9);
  });

  it('withdrawing more SOL than the reserve holds is SolWithdrawalTooLarge', async () => {
    // Move most of the reserve to a validator so the reserve cannot pay the user's tokens.
    const vote = await chain.voteAccount();
    await addValidator(chain, pool, vote);
    const [transientStake] = await findTransientStakePda({ voteAccount: vote, stakePool: pool.stakePool, seed: 0n }, { programAddress });
    const [validatorStake] = await findValidatorStakePda({ voteAccount: vote, stakePool: pool.stakePool }, { programAddress });
    await chain.mustSend([
      getIncreaseValidatorStakeInstruction(
        {
          stakePool: pool.stakePool, staker: pool.staker, withdrawAuthority: pool.withdrawAuthority, validatorList: pool.validatorList,
          reserveStake: pool.reserveStake, transientStake, validatorStake, voteAccount: vote, lamports: 50n * SOL, transientStakeSeed: 0n,
        },
        { programAddress },
      ),
    ]);
    const { instructions } = await withdrawSol({
      source: chain.source(), stakePool: pool.stakePool, programAddress, owner: user, destination: user.address,
      poolTokens: chain.tokenBalance(userTokens),
    });
    const error = await refused(instructions, [pool.stakePool, pool.reserveStake, userTokens, user.address]);
    assert.equal(error?.name, 'SolWithdrawalTooLarge');
    assert.match(error?.message ?? '', /Too much SOL withdrawn/);
  });

  it('a stale pool is refused by the wallet layer before signing, and by the program', async () => {
    chain.nextEpoch();
    await assert.rejects(
      depositSol({ source: chain.source(), stakePool: pool.stakePool, programAddress, from: user, lamports: SOL }),
      /last updated in epoch 0 \(now 1\): run the epoch update first/,
    );
    // A transaction built before the epoch turned (or by another client) meets the program's check.
    const deposit = getDepositSolInstruction(
      {
        stakePool: pool.stakePool, withdrawAuthority: pool.withdrawAuthority, reserveStake: pool.reserveStake, lamportsFrom: user,
        poolTokensTo: userTokens, managerFeeAccount: pool.managerFeeAccount, referrerPoolTokensAccount: userTokens,
        poolMint: pool.poolMint, lamports: SOL,
      },
      { programAddress },
    );
    const error = await refused([deposit], [pool.stakePool, pool.reserveStake, userTokens]);
    assert.equal(error?.name, 'StakeListAndPoolOutOfDate');
    await runUpdate(chain, pool);
    await chain.mustSend([deposit], [user]);
  });

  it('a failure in another program is not taken for the pool\'s error', async () => {
    // DepositSol of more lamports than the user has: the system program's transfer inside it
    // fails with the system program's code 1, reported under the pool's instruction; the pool
    // would call 1 InvalidProgramAddress. The logs tell them apart.
    const { instructions } = await depositSol({
      source: chain.source(), stakePool: pool.stakePool, programAddress, from: user, lamports: 10_000n * SOL,
    });
    const sent = await chain.send(instructions, [user]);
    assert.equal(sent.ok, false);
    if (sent.ok) return;
    assert.equal(sent.customCode, 1);
    const kitError = getSolanaErrorFromTransactionError({ InstructionError: [sent.instructionIndex, { Custom: 1 }] } as never);
    const logs = sent.failure.meta().logs();
    assert.equal(findStakePoolError(kitError, { instructions, programAddress, logs }), undefined);
    // An error of a top-level instruction of another program is never the pool's.
    assert.equal(findStakePoolError(kitError, { instructions: instructions.map((i) => ({ ...i, programAddress: user.address })), programAddress }), undefined);
    await assert.rejects(
      withdrawSol({ source: chain.source(), stakePool: pool.stakePool, programAddress, owner: user, destination: user.address, poolTokens: 0n }),
      /amount must be positive/,
    );
  });

  it('a pool address that is not a pool of this program is refused before anything is built', async () => {
    await assert.rejects(
      depositSol({ source: chain.source(), stakePool: user.address, programAddress, from: user, lamports: SOL }),
      /is not a pool of program/,
    );
    const other = (await generateKeyPairSigner()).address;
    await assert.rejects(
      depositSol({ source: chain.source(), stakePool: pool.stakePool, programAddress: other, from: user, lamports: SOL }),
      /is not a pool of program/,
    );
  });
});
