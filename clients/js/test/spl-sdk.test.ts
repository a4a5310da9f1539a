// What wallets already run: the reference SDK (@solana/spl-stake-pool 1.1.8, on the legacy
// @solana/web3.js 1.x) drives this program loaded at the SPL stake pool address, through its
// own high-level functions, and the amounts are the ones its own math predicts. The SDK talks
// to a web3.js `Connection`; here that connection reads the LiteSVM chain the program runs on.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  AccountInfo,
  Connection,
  PublicKey,
  type Signer,
  type TransactionInstruction,
} from '@solana/web3.js';
import * as sdk from '@solana/spl-stake-pool';
import { AccountRole, address, createKeyPairSignerFromBytes, type Address, type Instruction, type KeyPairSigner } from '@solana/kit';
import { decodeStakeAccount, getStakePoolInfo } from '../src/index.js';
import { Chain, createPool, LAMPORTS_PER_SOL, SPL_STAKE_POOL_ADDRESS, type TestPool } from './harness.js';

const SOL = LAMPORTS_PER_SOL;

/** The `Connection` methods the SDK calls, answered from the chain. */
function connectionOver(chain: Chain): Connection {
  const info = (a: PublicKey): AccountInfo<Buffer> | null => {
    const account = chain.account(address(a.toBase58()));
    if (!account) return null;
    return {
      data: Buffer.from(account.data),
      executable: false,
      lamports: Number(account.lamports),
      owner: new PublicKey(account.programAddress),
      rentEpoch: 0,
    };
  };
  const connection = {
    getAccountInfo: async (a: PublicKey) => info(a),
    getBalance: async (a: PublicKey) => Number(chain.balance(address(a.toBase58()))),
    getMinimumBalanceForRentExemption: async (space: number) => Number(chain.rent(BigInt(space))),
    getEpochInfo: async () => ({
      epoch: Number(chain.epoch()),
      absoluteSlot: Number(chain.svm.getClock().slot),
      slotIndex: 0,
      slotsInEpoch: Number(chain.svm.getEpochSchedule().slotsPerEpoch),
      blockHeight: Number(chain.svm.getClock().slot),
    }),
    getProgramAccounts: async (programId: PublicKey) =>
      chain.svm.getProgramAccounts(address(programId.toBase58())).map((account) => ({
        pubkey: new PublicKey(account.address),
        account: info(new PublicKey(account.address))!,
      })),
    // jsonParsed stake accounts, as an RPC node returns them (getStakeAccount).
    getParsedAccountInfo: async (a: PublicKey) => {
      const account = chain.account(address(a.toBase58()));
      if (!account) return { context: { slot: 0 }, value: null };
      const state = decodeStakeAccount(account.data);
      const meta =
        state.kind === 'initialized' || state.kind === 'stake'
          ? {
              rentExemptReserve: state.meta.rentExemptReserve.toString(),
              authorized: { staker: state.meta.staker, withdrawer: state.meta.withdrawer },
              lockup: { unixTimestamp: Number(state.meta.lockup.unixTimestamp), epoch: Number(state.meta.lockup.epoch), custodian: state.meta.lockup.custodian },
            }
          : undefined;
      const parsed = {
        type: state.kind === 'stake' ? 'delegated' : state.kind,
        info: {
          meta,
          stake:
            state.kind === 'stake'
              ? {
                  delegation: {
                    voter: state.delegation.voter,
                    stake: state.delegation.stake.toString(),
                    activationEpoch: state.delegation.activationEpoch.toString(),
                    deactivationEpoch: state.delegation.deactivationEpoch.toString(),
                    warmupCooldownRate: 0.25,
                  },
                  creditsObserved: 0,
                }
              : null,
        },
      };
      return {
        context: { slot: 0 },
        value: { data: { program: 'stake', parsed, space: 200 }, executable: false, lamports: Number(account.lamports), owner: new PublicKey(account.programAddress), rentEpoch: 0 },
      };
    },
  };
  return connection as unknown as Connection;
}

/** A web3.js instruction as kit sends it. */
function toKit(instruction: TransactionInstruction): Instruction {
  return {
    programAddress: address(instruction.programId.toBase58()),
    accounts: instruction.keys.map((key) => ({
      address: address(key.pubkey.toBase58()),
      role: key.isSigner
        ? key.isWritable
          ? AccountRole.WRITABLE_SIGNER
          : AccountRole.READONLY_SIGNER
        : key.isWritable
          ? AccountRole.WRITABLE
          : AccountRole.READONLY,
    })),
    data: new Uint8Array(instruction.data),
  };
}

async function kitSigners(signers: Signer[]): Promise<KeyPairSigner[]> {
  return Promise.all(signers.map((s) => createKeyPairSignerFromBytes(s.secretKey)));
}

/** Sends what an SDK function returned, signed by `wallet` and the SDK's own signers. */
async function sendSdk(chain: Chain, built: { instructions: TransactionInstruction[]; signers?: Signer[] }, wallet: KeyPairSigner[]) {
  return chain.mustSend(built.instructions.map(toKit), [...wallet, ...(await kitSigners(built.signers ?? []))]);
}

const pk = (a: Address) => new PublicKey(a);

// The SDK's own formulas (index.ts: calcPoolTokensForDeposit, calcLamportsWithdrawAmount).
const sdkPoolTokensForDeposit = (lamports: bigint, supply: bigint, total: bigint) =>
  supply === 0n || total === 0n ? lamports : (lamports * supply) / total;
const sdkLamportsForWithdrawal = (tokens: bigint, supply: bigint, total: bigint) =>
  tokens * total < supply ? 0n : (tokens * total) / supply;

describe('the reference SDK @solana/spl-stake-pool 1.1.8 against this program at the SPL address', () => {
  let chain: Chain;
  let connection: Connection;
  let pool: TestPool;
  let user: KeyPairSigner;
  let votes: Address[];

  const state = () => getStakePoolInfo(chain.source(), pool.stakePool, { programAddress: SPL_STAKE_POOL_ADDRESS });
  const userTokens = async () => {
    const { getAssociatedTokenAddressSync } = await import('@solana/spl-token');
    return address(getAssociatedTokenAddressSync(pk(pool.poolMint), pk(user.address)).toBase58());
  };

  before(async () => {
    chain = await Chain.start(SPL_STAKE_POOL_ADDRESS);
    connection = connectionOver(chain);
    pool = await createPool(chain, SPL_STAKE_POOL_ADDRESS, { reserveSol: 20n });
    user = await chain.fundedWallet(1_000n);
    votes = [await chain.voteAccount(), await chain.voteAccount()];
    // A rate above 1: lamports donated to the reserve count at the next update.
    chain.svm.airdrop(pool.reserveStake, (5n * SOL) as never);
    chain.nextEpoch();
    const plan = await sdk.updateStakePool(connection, await sdk.getStakePoolAccount(connection, pk(pool.stakePool)));
    for (const tx of [...plan.updateListInstructions.map((i) => [i]), plan.finalInstructions]) {
      await chain.mustSend(tx.map(toKit));
    }
    const info = await state();
    assert.ok(info.pool.totalLamports > info.pool.poolTokenSupply, 'rate above 1');
  });

  it('stakePoolInfo reads the pool as the program wrote it', async () => {
    const info = await sdk.stakePoolInfo(connection, pk(pool.stakePool));
    const ours = await state();
    assert.equal(info.manager, pool.manager.address);
    assert.equal(info.staker, pool.staker.address);
    assert.equal(info.poolMint, pool.poolMint);
    assert.equal(info.totalLamports, ours.pool.totalLamports.toString());
    assert.equal(info.poolTokenSupply, ours.pool.poolTokenSupply.toString());
    assert.equal(info.lastUpdateEpoch, chain.epoch().toString());
    assert.equal(info.poolWithdrawAuthority, pool.withdrawAuthority);
    assert.equal(info.details.updateRequired, false);
  });

  it('validator management: add, increase, decrease, remove', async () => {
    for (const vote of votes) {
      await sendSdk(chain, await sdk.addValidatorToPool(connection, pk(pool.stakePool), pk(vote)), [pool.staker]);
    }
    assert.equal((await state()).validators.length, 2);
    for (const vote of votes) {
      await sendSdk(chain, await sdk.increaseValidatorStake(connection, pk(pool.stakePool), pk(vote), Number(5n * SOL)), [pool.staker]);
    }
    chain.nextEpoch();
    const plan = await sdk.updateStakePool(connection, await sdk.getStakePoolAccount(connection, pk(pool.stakePool)));
    for (const instruction of plan.updateListInstructions) await chain.mustSend([toKit(instruction)]);
    await chain.mustSend(plan.finalInstructions.map(toKit));
    const merged = await state();
    assert.ok(merged.validators.every((v) => v.activeStakeLamports >= 5n * SOL && v.transientStakeLamports === 0n));

    await sendSdk(chain, await sdk.decreaseValidatorStake(connection, pk(pool.stakePool), pk(votes[1]!), Number(2n * SOL)), [pool.staker]);
    assert.ok((await state()).validators[1]!.transientStakeLamports >= 2n * SOL);
  });

  it('depositSol mints what the SDK\'s formula predicts', async () => {
    const before = await state();
    const lamports = 7n * SOL + 12_345n;
    await sendSdk(chain, await sdk.depositSol(connection, pk(pool.stakePool), pk(user.address), Number(lamports)), [user]);
    const tokens = chain.tokenBalance(await userTokens());
    assert.equal(tokens, sdkPoolTokensForDeposit(lamports, before.pool.poolTokenSupply, before.pool.totalLamports));
    assert.equal((await state()).pool.totalLamports, before.pool.totalLamports + lamports);
  });

  it('withdrawSol pays what the SDK\'s formula predicts', async () => {
    const before = await state();
    const balance = chain.balance(user.address);
    const tokens = 2n * SOL;
    await sendSdk(chain, await sdk.withdrawSol(connection, pk(pool.stakePool), pk(user.address), pk(user.address), 2), [user]);
    // The transaction fee (5,000 lamports per signature) is paid by the chain's payer, not the user.
    assert.equal(chain.balance(user.address) - balance, sdkLamportsForWithdrawal(tokens, before.pool.poolTokenSupply, before.pool.totalLamports));
  });

  it('depositStake credits the stake\'s SOL value by the SDK\'s formula', async () => {
    const stake = await chain.delegatedStake(user, votes[0]!, 4n);
    chain.nextEpoch();
    const plan = await sdk.updateStakePool(connection, await sdk.getStakePoolAccount(connection, pk(pool.stakePool)));
    for (const instruction of plan.updateListInstructions) await chain.mustSend([toKit(instruction)]);
    await chain.mustSend(plan.finalInstructions.map(toKit));
    const before = await state();
    const tokensBefore = chain.tokenBalance(await userTokens());
    const stakeLamports = chain.balance(stake.address);
    await sendSdk(chain, await sdk.depositStake(connection, pk(pool.stakePool), pk(user.address), pk(votes[0]!), pk(stake.address)), [user]);
    assert.equal(
      chain.tokenBalance(await userTokens()) - tokensBefore,
      sdkPoolTokensForDeposit(stakeLamports, before.pool.poolTokenSupply, before.pool.totalLamports),
    );
  });

  it('withdrawStake splits from the accounts the SDK chooses, for the SOL its formula predicts', async () => {
    const before = await state();
    const built = await sdk.withdrawStake(connection, pk(pool.stakePool), pk(user.address), 3);
    await sendSdk(chain, built, [user]);
    const tokens = 3n * SOL;
    const expected = sdkLamportsForWithdrawal(tokens, before.pool.poolTokenSupply, before.pool.totalLamports);
    const receivers = built.signers.slice(1).map((s) => address(new PublicKey(s.publicKey).toBase58()));
    let staked = 0n;
    for (const receiver of receivers) {
      const account = chain.account(receiver)!;
      const parsed = decodeStakeAccount(account.data);
      assert.equal(parsed.kind, 'stake');
      if (parsed.kind === 'stake') assert.equal(parsed.meta.withdrawer, user.address);
      staked += account.lamports - chain.rent(200n);
    }
    assert.equal(staked, expected);
  });

  it('removeValidatorFromPool, then the update drops it', async () => {
    await sendSdk(chain, await sdk.removeValidatorFromPool(connection, pk(pool.stakePool), pk(votes[1]!)), [pool.staker]);
    chain.nextEpoch();
    for (let round = 0; round < 2; round++) {
      const plan = await sdk.updateStakePool(connection, await sdk.getStakePoolAccount(connection, pk(pool.stakePool)));
      for (const instruction of plan.updateListInstructions) await chain.mustSend([toKit(instruction)]);
      await chain.mustSend(plan.finalInstructions.map(toKit));
      if ((await state()).validators.length === 1) break;
      chain.nextEpoch();
    }
    assert.equal((await state()).validators.length, 1);
  });
});
