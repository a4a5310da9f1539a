// Every instruction of the IDL, encoded by the generated client, run against the built .so,
// with the generated decoders reading what each one wrote. If the IDL drifted from the
// program (a tag, an account, a field), a step here fails.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { generateKeyPairSigner, getAddressEncoder, getProgramDerivedAddress, getUtf8Encoder, type Address } from '@solana/kit';
import {
  decodeStakePool,
  decodeUnstakeTicket,
  decodeValidatorList,
  describeStakePoolError,
  findDepositAuthorityPda,
  findEphemeralStakePda,
  findTransientStakePda,
  findUnstakeTicketPda,
  findValidatorStakePda,
  getCleanupRemovedValidatorEntriesInstruction,
  getClaimUnstakeInstruction,
  getCreateStakeAccountInstruction,
  getCreateTokenMetadataInstruction,
  getDecreaseAdditionalValidatorStakeInstruction,
  getDecreaseValidatorStakeInstruction,
  getDecreaseValidatorStakeWithReserveInstruction,
  getDepositSolInstruction,
  getDepositSolWithSlippageInstruction,
  getDepositStakeInstruction,
  getDepositStakeWithSlippageInstruction,
  getIncreaseAdditionalValidatorStakeInstruction,
  getIncreaseValidatorStakeInstruction,
  getRedelegateInstruction,
  getRemoveValidatorFromPoolInstruction,
  getRequestUnstakeInstruction,
  getSetFeeInstruction,
  getSetFundingAuthorityInstruction,
  getSetManagerInstruction,
  getSetPreferredValidatorInstruction,
  getSetStakerInstruction,
  getStakeAuthorizeInstruction,
  getUpdateStakePoolBalanceInstruction,
  getUpdateTokenMetadataInstruction,
  getUpdateValidatorListBalanceInstruction,
  getWithdrawSolInstruction,
  getWithdrawSolWithSlippageInstruction,
  getWithdrawStakeInstruction,
  getWithdrawStakeWithSlippageInstruction,
  FundingType,
  PreferredValidatorType,
  StakeStatus,
  AccountType,
  asEncodedAccount,
  type StakePool,
} from '../src/index.js';
import {
  addValidator,
  Chain,
  createPool,
  LAMPORTS_PER_SOL,
  METADATA_PROGRAM_ADDRESS,
  type TestPool,
} from './harness.js';

const SOL = LAMPORTS_PER_SOL;

describe('every instruction through the IDL-generated client', () => {
  let chain: Chain;
  let pool: TestPool;
  let programAddress: Address;
  let votes: Address[];
  let config: { programAddress: Address };
  let user: Awaited<ReturnType<typeof generateKeyPairSigner>>;
  let userTokens: Address;
  const ran = new Set<string>();

  const readPool = (): StakePool => {
    const account = chain.account(pool.stakePool)!;
    return decodeStakePool({ ...asEncodedAccount(account), address: pool.stakePool }).data;
  };
  const readList = () => {
    const account = chain.account(pool.validatorList)!;
    return decodeValidatorList({ ...asEncodedAccount(account), address: pool.validatorList }).data;
  };
  const validatorStake = async (vote: Address) =>
    (await findValidatorStakePda({ voteAccount: vote, stakePool: pool.stakePool }, config))[0];
  const transientStake = async (vote: Address, seed: bigint) =>
    (await findTransientStakePda({ voteAccount: vote, stakePool: pool.stakePool, seed }, config))[0];
  const ephemeralStake = async (seed: bigint) => (await findEphemeralStakePda({ stakePool: pool.stakePool, seed }, config))[0];
  const poolKeys = () => ({
    stakePool: pool.stakePool,
    withdrawAuthority: pool.withdrawAuthority,
    reserveStake: pool.reserveStake,
    managerFeeAccount: readPool().managerFeeAccount,
    poolMint: pool.poolMint,
  });

  async function update() {
    const list = readList();
    const stakeAccounts: Address[] = [];
    for (const v of list.validators) {
      stakeAccounts.push(await validatorStake(v.voteAccountAddress), await transientStake(v.voteAccountAddress, v.transientSeedSuffix));
    }
    await chain.mustSend([
      getUpdateValidatorListBalanceInstruction(
        { ...poolKeys(), validatorList: pool.validatorList, startIndex: 0, noMerge: false, stakeAccounts },
        config,
      ),
      getUpdateStakePoolBalanceInstruction({ ...poolKeys(), validatorList: pool.validatorList }, config),
      getCleanupRemovedValidatorEntriesInstruction({ stakePool: pool.stakePool, validatorList: pool.validatorList }, config),
    ]);
    ran.add('updateValidatorListBalance').add('updateStakePoolBalance').add('cleanupRemovedValidatorEntries');
    assert.equal(readPool().lastUpdateEpoch, chain.epoch());
  }

  before(async () => {
    programAddress = (await generateKeyPairSigner()).address;
    config = { programAddress };
    chain = await Chain.start(programAddress);
    pool = await createPool(chain, programAddress, { reserveSol: 100n, fees: { epoch: [1n, 100n] } });
    ran.add('initialize');
    votes = [await chain.voteAccount(), await chain.voteAccount(), await chain.voteAccount()];
    for (const vote of votes) await addValidator(chain, pool, vote);
    ran.add('addValidatorToPool');
    user = await chain.fundedWallet(100n);
    userTokens = await chain.tokenAccount(pool.poolMint, user.address);
  });

  it('decodes the pool and validator list Initialize and AddValidatorToPool wrote', () => {
    const state = readPool();
    assert.equal(state.accountType, AccountType.StakePool);
    assert.equal(state.manager, pool.manager.address);
    assert.equal(state.staker, pool.staker.address);
    assert.equal(state.validatorList, pool.validatorList);
    assert.deepEqual(state.epochFee, { denominator: 100n, numerator: 1n });
    const list = readList();
    assert.equal(list.accountType, AccountType.ValidatorList);
    assert.deepEqual(
      list.validators.map((v) => v.voteAccountAddress),
      votes,
    );
    assert.ok(list.validators.every((v) => v.status === StakeStatus.Active));
  });

  it('runs the staker instructions: preferred validator, increases, decreases, redelegate refused', async () => {
    const staker = pool.staker;
    const [v0, v1] = [votes[0]!, votes[1]!];
    await chain.mustSend([
      getSetPreferredValidatorInstruction(
        { stakePool: pool.stakePool, staker, validatorList: pool.validatorList, validatorType: PreferredValidatorType.Deposit, validatorVoteAddress: v0 },
        config,
      ),
    ]);
    assert.deepEqual(readPool().preferredDepositValidatorVoteAddress, { __option: 'Some', value: v0 });
    await chain.mustSend([
      getSetPreferredValidatorInstruction(
        { stakePool: pool.stakePool, staker, validatorList: pool.validatorList, validatorType: PreferredValidatorType.Deposit, validatorVoteAddress: null },
        config,
      ),
    ]);
    assert.deepEqual(readPool().preferredDepositValidatorVoteAddress, { __option: 'None' });
    ran.add('setPreferredValidator');

    for (const vote of votes) {
      await chain.mustSend([
        getIncreaseValidatorStakeInstruction(
          {
            stakePool: pool.stakePool, staker, withdrawAuthority: pool.withdrawAuthority, validatorList: pool.validatorList,
            reserveStake: pool.reserveStake, transientStake: await transientStake(vote, 0n), validatorStake: await validatorStake(vote),
            voteAccount: vote, lamports: 10n * SOL, transientStakeSeed: 0n,
          },
          config,
        ),
      ]);
    }
    ran.add('increaseValidatorStake');
    await chain.mustSend([
      getIncreaseAdditionalValidatorStakeInstruction(
        {
          stakePool: pool.stakePool, staker, withdrawAuthority: pool.withdrawAuthority, validatorList: pool.validatorList,
          reserveStake: pool.reserveStake, ephemeralStake: await ephemeralStake(0n), transientStake: await transientStake(v0, 0n),
          validatorStake: await validatorStake(v0), voteAccount: v0, lamports: 2n * SOL, transientStakeSeed: 0n, ephemeralStakeSeed: 0n,
        },
        config,
      ),
    ]);
    ran.add('increaseAdditionalValidatorStake');
    assert.equal(readList().validators[0]!.transientStakeLamports > 12n * SOL, true);

    chain.nextEpoch();
    await update();
    assert.ok(readList().validators.every((v) => v.transientStakeLamports === 0n && v.activeStakeLamports >= 10n * SOL));

    // Three validators, one decrease variant each (LiteSVM keeps no stake history, so a stake
    // deactivated this epoch never counts as mergeable: each decrease gets its own transient).
    const v2 = votes[2]!;
    await chain.mustSend([
      getDecreaseValidatorStakeWithReserveInstruction(
        {
          stakePool: pool.stakePool, staker, withdrawAuthority: pool.withdrawAuthority, validatorList: pool.validatorList,
          reserveStake: pool.reserveStake, validatorStake: await validatorStake(v2), transientStake: await transientStake(v2, 1n),
          lamports: 2n * SOL, transientStakeSeed: 1n,
        },
        config,
      ),
    ]);
    ran.add('decreaseValidatorStakeWithReserve');
    assert.equal(readList().validators[2]!.transientSeedSuffix, 1n);
    await chain.mustSend([
      getDecreaseAdditionalValidatorStakeInstruction(
        {
          stakePool: pool.stakePool, staker, withdrawAuthority: pool.withdrawAuthority, validatorList: pool.validatorList,
          reserveStake: pool.reserveStake, validatorStake: await validatorStake(v0), ephemeralStake: await ephemeralStake(1n),
          transientStake: await transientStake(v0, 1n), lamports: 2n * SOL, transientStakeSeed: 1n, ephemeralStakeSeed: 1n,
        },
        config,
      ),
    ]);
    ran.add('decreaseAdditionalValidatorStake');
    assert.equal(readList().validators[0]!.transientStakeLamports >= 2n * SOL, true);
    assert.equal(readList().validators[0]!.transientSeedSuffix, 1n);
    // The deprecated variant reaches the stake program's split, which today refuses a
    // destination without its rent (the reference fails the same way: tests/tests/rebalance.rs).
    const legacy = await chain.send([
      getDecreaseValidatorStakeInstruction(
        {
          stakePool: pool.stakePool, staker, withdrawAuthority: pool.withdrawAuthority, validatorList: pool.validatorList,
          validatorStake: await validatorStake(v1), transientStake: await transientStake(v1, 2n), lamports: 3n * SOL, transientStakeSeed: 2n,
        },
        config,
      ),
    ]);
    assert.equal(legacy.ok, false);
    if (!legacy.ok) {
      assert.match(legacy.failure.toString(), /InsufficientFunds/);
      assert.ok(legacy.failure.meta().logs().some((line) => line.includes('DecreaseValidatorStake is deprecated')));
    }
    ran.add('decreaseValidatorStake');

    const redelegate = await chain.send([
      getRedelegateInstruction(
        {
          stakePool: pool.stakePool, staker, withdrawAuthority: pool.withdrawAuthority, validatorList: pool.validatorList,
          reserveStake: pool.reserveStake, sourceValidatorStake: await validatorStake(v1), sourceTransientStake: await transientStake(v1, 3n),
          ephemeralStake: await ephemeralStake(3n), destinationTransientStake: await transientStake(v0, 3n),
          destinationValidatorStake: await validatorStake(v0), destinationVoteAccount: v0,
          lamports: SOL, sourceTransientStakeSeed: 3n, ephemeralStakeSeed: 3n, destinationTransientStakeSeed: 3n,
        },
        config,
      ),
    ]);
    assert.equal(redelegate.ok, false);
    assert.match(redelegate.ok ? '' : redelegate.failure.toString(), /InvalidInstructionData/);
    ran.add('redelegate');

    chain.nextEpoch();
    await update();
    assert.ok(readList().validators.every((v) => v.transientStakeLamports === 0n));
  });

  it('runs SOL and stake deposits and withdrawals, plain and with slippage', async () => {
    const keys = poolKeys();
    const before = readPool();
    await chain.mustSend([
      getDepositSolInstruction({ ...keys, lamportsFrom: user, poolTokensTo: userTokens, referrerPoolTokensAccount: userTokens, lamports: 5n * SOL }, config),
      getDepositSolWithSlippageInstruction(
        { ...keys, lamportsFrom: user, poolTokensTo: userTokens, referrerPoolTokensAccount: userTokens, lamportsIn: 5n * SOL, minimumPoolTokensOut: 4n * SOL },
        config,
      ),
    ]);
    ran.add('depositSol').add('depositSolWithSlippage');
    assert.equal(readPool().totalLamports, before.totalLamports + 10n * SOL);
    const tokens = chain.tokenBalance(userTokens);
    assert.ok(tokens > 9n * SOL);

    await chain.mustSend([
      getWithdrawSolInstruction({ ...keys, userTransferAuthority: user, poolTokensFrom: userTokens, lamportsTo: user.address, poolTokens: SOL }, config),
      getWithdrawSolWithSlippageInstruction(
        { ...keys, userTransferAuthority: user, poolTokensFrom: userTokens, lamportsTo: user.address, poolTokensIn: SOL, minimumLamportsOut: SOL / 2n },
        config,
      ),
    ]);
    ran.add('withdrawSol').add('withdrawSolWithSlippage');
    assert.equal(chain.tokenBalance(userTokens), tokens - 2n * SOL);

    const [depositAuthority] = await findDepositAuthorityPda({ stakePool: pool.stakePool }, config);
    const v2 = votes[2]!;
    for (const [index, withSlippage] of [false, true].entries()) {
      const stake = await chain.delegatedStake(user, v2, 2n);
      chain.nextEpoch();
      await update();
      const accounts = {
        ...poolKeys(),
        validatorList: pool.validatorList,
        stakeDepositAuthority: depositAuthority,
        depositStake: stake.address,
        validatorStake: await validatorStake(v2),
        poolTokensTo: userTokens,
        referrerPoolTokensAccount: userTokens,
      };
      const before = chain.tokenBalance(userTokens);
      await chain.mustSend(
        [
          getStakeAuthorizeInstruction({ stakeAccount: stake.address, authority: user, newAuthority: depositAuthority, role: 'staker' }),
          getStakeAuthorizeInstruction({ stakeAccount: stake.address, authority: user, newAuthority: depositAuthority, role: 'withdrawer' }),
          withSlippage
            ? getDepositStakeWithSlippageInstruction({ ...accounts, minimumPoolTokensOut: SOL }, config)
            : getDepositStakeInstruction(accounts, config),
        ],
        [user],
      );
      assert.ok(chain.tokenBalance(userTokens) > before + SOL, `stake deposit ${index} minted tokens`);
    }
    ran.add('depositStake').add('depositStakeWithSlippage');

    const rent = chain.rent(200n);
    for (const withSlippage of [false, true]) {
      const receiver = await generateKeyPairSigner();
      const accounts = {
        ...poolKeys(),
        validatorList: pool.validatorList,
        stakeToSplit: await validatorStake(v2),
        stakeToReceive: receiver.address,
        userStakeAuthority: user.address,
        userTransferAuthority: user,
        poolTokensFrom: userTokens,
      };
      await chain.mustSend(
        [
          getCreateStakeAccountInstruction({ payer: user, newAccount: receiver, rentExemption: rent }),
          withSlippage
            ? getWithdrawStakeWithSlippageInstruction({ ...accounts, poolTokensIn: 2n * SOL, minimumLamportsOut: SOL }, config)
            : getWithdrawStakeInstruction({ ...accounts, poolTokens: 2n * SOL }, config),
        ],
        [user, receiver],
      );
      assert.ok(chain.balance(receiver.address) > 2n * SOL - SOL / 10n);
    }
    ran.add('withdrawStake').add('withdrawStakeWithSlippage');
  });

  it('runs the unstake ticket pair', async () => {
    const ticketStake = await generateKeyPairSigner();
    const [ticket] = await findUnstakeTicketPda({ stakePool: pool.stakePool, stakeAccount: ticketStake.address }, config);
    await chain.mustSend(
      [
        getCreateStakeAccountInstruction({ payer: user, newAccount: ticketStake, rentExemption: chain.rent(200n) }),
        getRequestUnstakeInstruction(
          {
            ...poolKeys(), validatorList: pool.validatorList, stakeToSplit: await validatorStake(votes[1]!), ticketStake,
            owner: user.address, userTransferAuthority: user, poolTokensFrom: userTokens, ticket, rentPayer: user,
            poolTokens: 2n * SOL, minimumLamportsOut: 0n,
          },
          config,
        ),
      ],
      [user, ticketStake],
    );
    ran.add('requestUnstake');
    const written = decodeUnstakeTicket({ ...asEncodedAccount(chain.account(ticket)!), address: ticket }).data;
    assert.equal(written.accountType, AccountType.UnstakeTicket);
    assert.equal(written.owner, user.address);
    assert.equal(written.stakeAccount, ticketStake.address);
    assert.equal(written.fromReserve, false);
    assert.equal(written.claimableEpoch > chain.epoch(), true);

    const claim = () =>
      getClaimUnstakeInstruction(
        {
          ticket, ticketStake: ticketStake.address, stakePool: pool.stakePool, withdrawAuthority: pool.withdrawAuthority,
          reserveStake: pool.reserveStake, destination: user.address, rentPayer: user.address,
        },
        config,
      );
    const early = await chain.send([claim()]);
    assert.equal(early.ok, false);
    assert.equal(early.ok ? undefined : describeStakePoolError(early.customCode!).split(' ')[0], 'UnstakeTicketNotClaimable');
    while (chain.epoch() < written.claimableEpoch) chain.nextEpoch();
    await update();
    const before = chain.balance(user.address);
    await chain.mustSend([claim()]);
    ran.add('claimUnstake');
    assert.ok(chain.balance(user.address) - before >= written.lamportsOwed);
    assert.equal(chain.account(ticket), null);
  });

  it('runs the manager instructions: fees, funding authority, staker, token metadata, manager', async () => {
    const manager = pool.manager;
    await chain.mustSend([
      getSetFeeInstruction({ stakePool: pool.stakePool, manager, fee: { __kind: 'SolDeposit', fields: [{ numerator: 3n, denominator: 1000n }] } }, config),
      getSetFeeInstruction({ stakePool: pool.stakePool, manager, fee: { __kind: 'SolReferral', fields: [40] } }, config),
    ]);
    ran.add('setFee');
    assert.deepEqual(readPool().solDepositFee, { denominator: 1000n, numerator: 3n });
    assert.equal(readPool().solReferralFee, 40);

    const gate = await generateKeyPairSigner();
    await chain.mustSend([
      getSetFundingAuthorityInstruction({ stakePool: pool.stakePool, manager, newAuthority: gate.address, fundingType: FundingType.SolDeposit }, config),
    ]);
    assert.deepEqual(readPool().solDepositAuthority, { __option: 'Some', value: gate.address });
    await chain.mustSend([getSetFundingAuthorityInstruction({ stakePool: pool.stakePool, manager, fundingType: FundingType.SolDeposit }, config)]);
    assert.deepEqual(readPool().solDepositAuthority, { __option: 'None' });
    ran.add('setFundingAuthority');

    const newStaker = await generateKeyPairSigner();
    await chain.mustSend([getSetStakerInstruction({ stakePool: pool.stakePool, signer: manager, newStaker: newStaker.address }, config)]);
    assert.equal(readPool().staker, newStaker.address);
    ran.add('setStaker');

    const [metadata] = await getProgramDerivedAddress({
      programAddress: METADATA_PROGRAM_ADDRESS,
      seeds: [getUtf8Encoder().encode('metadata'), getAddressEncoder().encode(METADATA_PROGRAM_ADDRESS), getAddressEncoder().encode(pool.poolMint)],
    });
    await chain.mustSend([
      getCreateTokenMetadataInstruction(
        {
          stakePool: pool.stakePool, manager, withdrawAuthority: pool.withdrawAuthority, poolMint: pool.poolMint, payer: manager,
          tokenMetadata: metadata, name: 'Staked SOL', symbol: 'pSOL', uri: 'https://example.com/a.json',
        },
        config,
      ),
    ]);
    ran.add('createTokenMetadata');
    await chain.mustSend([
      getUpdateTokenMetadataInstruction(
        { stakePool: pool.stakePool, manager, withdrawAuthority: pool.withdrawAuthority, tokenMetadata: metadata, name: 'Pooled SOL', symbol: 'ppSOL', uri: 'https://example.com/b.json' },
        config,
      ),
    ]);
    ran.add('updateTokenMetadata');
    const text = new TextDecoder().decode(chain.account(metadata)!.data);
    assert.ok(text.includes('Pooled SOL') && text.includes('ppSOL') && text.includes('https://example.com/b.json'));

    const newManager = await chain.fundedWallet(1n);
    const newFeeAccount = await chain.tokenAccount(pool.poolMint, newManager.address);
    await chain.mustSend([
      getSetManagerInstruction({ stakePool: pool.stakePool, manager, newManager, newManagerFeeAccount: newFeeAccount }, config),
    ]);
    ran.add('setManager');
    assert.equal(readPool().manager, newManager.address);
    assert.equal(readPool().managerFeeAccount, newFeeAccount);
    pool = { ...pool, manager: newManager, managerFeeAccount: newFeeAccount, staker: newStaker };
  });

  it('removes a validator; the update and cleanup drop its entry', async () => {
    const vote = votes[2]!;
    const entry = readList().validators[2]!;
    await chain.mustSend([
      getRemoveValidatorFromPoolInstruction(
        {
          stakePool: pool.stakePool, staker: pool.staker, withdrawAuthority: pool.withdrawAuthority, validatorList: pool.validatorList,
          validatorStake: await validatorStake(vote), transientStake: await transientStake(vote, entry.transientSeedSuffix),
        },
        config,
      ),
    ]);
    ran.add('removeValidatorFromPool');
    assert.equal(readList().validators[2]!.status, StakeStatus.DeactivatingValidator);
    chain.nextEpoch();
    await update();
    assert.equal(readList().validators.length, 2);
  });

  it('covered all 29 instructions of the IDL', async () => {
    const { root } = await import('../../scripts/idl.mjs' as string);
    const names: string[] = root.program.instructions.map((i: { name: string }) => i.name);
    assert.equal(names.length, 29);
    assert.deepEqual([...names].filter((n) => !ran.has(n)), []);
  });
});
