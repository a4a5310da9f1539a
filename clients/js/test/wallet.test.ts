// Wallet flows end to end through the wallet layer, against the built .so loaded at an
// address of its own (so every call's program address parameter is exercised).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { generateKeyPairSigner, type Address } from '@solana/kit';
import {
  decodeStakeAccount,
  findTransientStakePda,
  findValidatorStakePda,
  getIncreaseValidatorStakeInstruction,
  depositSol,
  depositStake,
  getStakePoolInfo,
  withdrawSol,
  withdrawStake,
} from '../src/index.js';
import { addValidator, Chain, createPool, LAMPORTS_PER_SOL, runUpdate, type TestPool } from './harness.js';

describe('wallet flows on the mainnet feature set', () => {
  let chain: Chain;
  let pool: TestPool;
  let programAddress: Address;
  let votes: Address[];

  before(async () => {
    programAddress = (await generateKeyPairSigner()).address;
    chain = await Chain.start(programAddress);
    pool = await createPool(chain, programAddress, {
      fees: { epoch: [1n, 100n], deposit: [1n, 1000n], withdrawal: [3n, 1000n], referralPercent: 50 },
      reserveSol: 50n,
    });
    votes = [await chain.voteAccount(), await chain.voteAccount(), await chain.voteAccount()];
    for (const vote of votes) await addValidator(chain, pool, vote);
  });

  it('reads pool info: fees, supply, validators, update due', async () => {
    const info = await getStakePoolInfo(chain.source(), pool.stakePool, { programAddress });
    assert.equal(info.validators.length, 3);
    assert.equal(info.maxValidators, 10);
    assert.deepEqual(info.fees.epoch, { numerator: 1n, denominator: 100n });
    assert.deepEqual(info.fees.solDeposit, { numerator: 1n, denominator: 1000n });
    assert.equal(info.fees.solReferralPercent, 50);
    // Initialize counts the reserve's SOL above rent and mints its tokens to the manager.
    assert.equal(info.pool.poolTokenSupply, 50n * LAMPORTS_PER_SOL);
    assert.equal(info.pool.totalLamports, 50n * LAMPORTS_PER_SOL);
    assert.equal(info.updateRequired, false);
    assert.equal(info.pool.manager, pool.manager.address);
    assert.equal(info.withdrawAuthority, pool.withdrawAuthority);
  });

  it('deposits SOL, withdraws SOL, and the amounts follow the pool rate and fees', async () => {
    const user = await chain.fundedWallet(20n);
    const deposit = await depositSol({
      source: chain.source(),
      stakePool: pool.stakePool,
      programAddress,
      from: user,
      lamports: 10n * LAMPORTS_PER_SOL,
    });
    const meta = await chain.mustSend(deposit.instructions);
    const tokens = chain.tokenBalance(deposit.poolTokenAccount);
    // Rate 1: one token per lamport, minus the 0.1% deposit fee, half of which is the
    // referral share and comes back (the referrer is the depositor's own account here).
    const fee = 10n * LAMPORTS_PER_SOL / 1000n;
    assert.equal(tokens, 10n * LAMPORTS_PER_SOL - fee + fee / 2n);
    // The program returns the tokens it minted to the user (return data).
    const returned = new DataView(meta.returnData().data().buffer, meta.returnData().data().byteOffset).getBigUint64(0, true);
    assert.equal(returned, 10n * LAMPORTS_PER_SOL - fee);

    const before = chain.balance(user.address);
    const withdrawal = await withdrawSol({
      source: chain.source(),
      stakePool: pool.stakePool,
      programAddress,
      owner: user,
      destination: user.address,
      poolTokens: LAMPORTS_PER_SOL,
      minimumLamportsOut: LAMPORTS_PER_SOL - LAMPORTS_PER_SOL / 100n,
    });
    await chain.mustSend(withdrawal.instructions, [user]);
    const paid = chain.balance(user.address) - before;
    const feeTokens = (LAMPORTS_PER_SOL * 3n + 999n) / 1000n;
    const info = await getStakePoolInfo(chain.source(), pool.stakePool, { programAddress });
    assert.ok(paid > 0n);
    assert.ok(paid <= LAMPORTS_PER_SOL - feeTokens);
    assert.equal(chain.tokenBalance(deposit.poolTokenAccount), tokens - LAMPORTS_PER_SOL);
    assert.ok(info.pool.poolTokenSupply > 0n);
  });

  it('moves reserve SOL to validators, crosses an epoch and runs the update as planned transactions', async () => {
    for (const vote of votes) {
      const [transientStake] = await findTransientStakePda(
        { voteAccount: vote, stakePool: pool.stakePool, seed: 0n },
        { programAddress },
      );
      const [validatorStake] = await findValidatorStakePda({ voteAccount: vote, stakePool: pool.stakePool }, { programAddress });
      await chain.mustSend([
        getIncreaseValidatorStakeInstruction(
          {
            stakePool: pool.stakePool,
            staker: pool.staker,
            withdrawAuthority: pool.withdrawAuthority,
            validatorList: pool.validatorList,
            reserveStake: pool.reserveStake,
            transientStake,
            validatorStake,
            voteAccount: vote,
            lamports: 5n * LAMPORTS_PER_SOL,
            transientStakeSeed: 0n,
          },
          { programAddress },
        ),
      ]);
    }
    chain.nextEpoch();
    const stale = await getStakePoolInfo(chain.source(), pool.stakePool, { programAddress });
    assert.equal(stale.updateRequired, true);
    const sent = await runUpdate(chain, pool);
    assert.equal(sent, 2, 'three validators fit one list transaction, then the balance transaction');
    const info = await getStakePoolInfo(chain.source(), pool.stakePool, { programAddress });
    assert.equal(info.updateRequired, false);
    for (const validator of info.validators) {
      assert.equal(validator.transientStakeLamports, 0n, 'transient merged');
      assert.ok(validator.activeStakeLamports >= 5n * LAMPORTS_PER_SOL);
    }
  });

  it('deposits a stake account (authorities moved in the same transaction, index hint sent)', async () => {
    const user = await chain.fundedWallet(10n);
    const stake = await chain.delegatedStake(user, votes[1]!, 3n);
    chain.nextEpoch();
    await runUpdate(chain, pool);
    const before = await getStakePoolInfo(chain.source(), pool.stakePool, { programAddress });
    const deposit = await depositStake({
      source: chain.source(),
      stakePool: pool.stakePool,
      programAddress,
      stakeAccount: stake.address,
      authority: user,
    });
    const last = deposit.instructions[deposit.instructions.length - 1]!;
    assert.equal(last.data!.length, 1 + 4, 'tag, then the u32 validator index hint');
    assert.equal(new DataView(last.data!.buffer, last.data!.byteOffset).getUint32(1, true), 1);
    await chain.mustSend(deposit.instructions, [user]);
    const after = await getStakePoolInfo(chain.source(), pool.stakePool, { programAddress });
    assert.ok(chain.tokenBalance(deposit.poolTokenAccount) > 0n);
    assert.ok(after.pool.totalLamports > before.pool.totalLamports);
    assert.equal(chain.account(stake.address), null, 'the deposited stake merged into the validator stake');
  });

  it('withdraws stake: splits from the largest validators into new stake accounts the user owns', async () => {
    const user = await chain.fundedWallet(30n);
    const deposit = await depositSol({ source: chain.source(), stakePool: pool.stakePool, programAddress, from: user, lamports: 12n * LAMPORTS_PER_SOL });
    await chain.mustSend(deposit.instructions);
    const tokens = chain.tokenBalance(deposit.poolTokenAccount);
    const withdrawal = await withdrawStake({
      source: chain.source(),
      stakePool: pool.stakePool,
      programAddress,
      owner: user,
      poolTokens: tokens,
    });
    assert.ok(withdrawal.parts.length >= 2, 'more than one validator needed for 12 SOL');
    assert.equal(withdrawal.parts.reduce((sum, part) => sum + part.poolTokens, 0n), tokens);
    await chain.mustSend(withdrawal.instructions, [user, ...withdrawal.newAccounts]);
    assert.equal(chain.tokenBalance(deposit.poolTokenAccount), 0n);
    let received = 0n;
    for (const account of withdrawal.newAccounts) {
      const state = decodeStakeAccount(chain.account(account.address)!.data);
      assert.equal(state.kind, 'stake');
      if (state.kind === 'stake') {
        assert.equal(state.meta.staker, user.address);
        assert.equal(state.meta.withdrawer, user.address);
        received += state.delegation.stake;
      }
    }
    assert.ok(received > 11n * LAMPORTS_PER_SOL, `received ${received}`);
  });
});
