//! p-stake-pool's `.so` against the SPL stake pool 2.2.0 crate as oracle: every state the
//! program writes must decode with the reference's `StakePool` type and equal what the
//! reference's own state-transition functions (`calc_*`, `update_fee`, `FutureEpoch`) predict,
//! step by step and epoch after epoch.

use p_stake_pool_tests::*;
use solana_sdk::{
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};
use spl_stake_pool::{
    instruction::FundingType,
    state::{Fee, FeeType, StakePool},
};

/// A user with a pool token account.
struct User {
    keypair: Keypair,
    account: Pubkey,
}

async fn user(env: &mut Env, pool: &Pool) -> User {
    let (keypair, account) = env.pool_user(pool, 1_000 * LAMPORTS_PER_SOL).await;
    User { keypair, account }
}

/// The decoded state must equal the reference's prediction; the supply must equal the mint's.
async fn assert_pool(env: &mut Env, pool: &Pool, expected: &StakePool) {
    let state = spl_pool_state(env, pool).await;
    assert_eq!(
        &state, expected,
        "pool state differs from the reference's prediction"
    );
    assert_eq!(
        state.pool_token_supply,
        env.mint_supply(&pool.pool_mint.pubkey()).await
    );
}

/// DepositSol, checked against the reference's `calc_*` functions.
async fn deposit(env: &mut Env, pool: &Pool, user: &User, referrer: &User, lamports: u64) {
    let mut expected = spl_pool_state(env, pool).await;
    let minted = expected.calc_pool_tokens_for_deposit(lamports).unwrap();
    let fee = expected.calc_pool_tokens_sol_deposit_fee(minted).unwrap();
    let referral = expected.calc_pool_tokens_sol_referral_fee(fee).unwrap();
    let user_before = env.token_balance(&user.account).await;
    let referrer_before = env.token_balance(&referrer.account).await;
    let manager_before = env.token_balance(&pool.manager_fee_account).await;
    let reserve_before = env.lamports(&pool.reserve_stake).await;
    let ix = deposit_sol_instruction(
        pool,
        &user.keypair.pubkey(),
        &user.account,
        &referrer.account,
        lamports,
    );
    env.send(&[ix], &[&user.keypair]).await.unwrap();
    assert_eq!(
        env.token_balance(&user.account).await - user_before,
        minted - fee
    );
    assert_eq!(
        env.token_balance(&referrer.account).await - referrer_before,
        referral
    );
    assert_eq!(
        env.token_balance(&pool.manager_fee_account).await - manager_before,
        fee - referral
    );
    assert_eq!(
        env.lamports(&pool.reserve_stake).await - reserve_before,
        lamports
    );
    expected.pool_token_supply += minted;
    expected.total_lamports += lamports;
    assert_pool(env, pool, &expected).await;
}

/// WithdrawSol, checked against the reference's `calc_*` functions.
async fn withdraw(env: &mut Env, pool: &Pool, user: &User, tokens: u64) {
    let mut expected = spl_pool_state(env, pool).await;
    let fee = expected
        .calc_pool_tokens_sol_withdrawal_fee(tokens)
        .unwrap();
    let burnt = tokens - fee;
    let lamports = expected.calc_lamports_withdraw_amount(burnt).unwrap();
    let manager_before = env.token_balance(&pool.manager_fee_account).await;
    let destination = Keypair::new().pubkey();
    let ix = withdraw_sol_instruction(
        pool,
        &user.keypair.pubkey(),
        &user.account,
        &destination,
        tokens,
    );
    env.send(&[ix], &[&user.keypair]).await.unwrap();
    assert_eq!(
        env.lamports(&destination).await,
        lamports,
        "lamports paid out"
    );
    assert_eq!(
        env.token_balance(&pool.manager_fee_account).await - manager_before,
        fee
    );
    expected.pool_token_supply -= burnt;
    expected.total_lamports -= lamports;
    assert_pool(env, pool, &expected).await;
}

/// The full update, checked against the reference's epoch-fee formula and fee rotation.
async fn update(env: &mut Env, pool: &Pool) {
    let mut expected = spl_pool_state(env, pool).await;
    let reserve = env.lamports(&pool.reserve_stake).await;
    let rent = env.rent_exempt(STAKE_ACCOUNT_LEN).await;
    let total = reserve.saturating_sub(rent);
    let reward = total.saturating_sub(expected.total_lamports);
    let fee = expected.calc_epoch_fee_amount(reward).unwrap();
    let manager_before = env.token_balance(&pool.manager_fee_account).await;
    let epoch = env.epoch().await;
    env.send(&update_instructions(pool), &[]).await.unwrap();
    assert_eq!(
        env.token_balance(&pool.manager_fee_account).await - manager_before,
        fee
    );
    if expected.last_update_epoch < epoch {
        if let Some(fee) = expected.next_epoch_fee.get() {
            expected.epoch_fee = *fee;
        }
        expected.next_epoch_fee.update_epoch();
        if let Some(fee) = expected.next_stake_withdrawal_fee.get() {
            expected.stake_withdrawal_fee = *fee;
        }
        expected.next_stake_withdrawal_fee.update_epoch();
        if let Some(fee) = expected.next_sol_withdrawal_fee.get() {
            expected.sol_withdrawal_fee = *fee;
        }
        expected.next_sol_withdrawal_fee.update_epoch();
        expected.last_update_epoch = epoch;
        expected.last_epoch_total_lamports = expected.total_lamports;
        expected.last_epoch_pool_token_supply = expected.pool_token_supply;
    }
    expected.total_lamports = total;
    expected.pool_token_supply += fee;
    assert_pool(env, pool, &expected).await;
}

#[tokio::test]
async fn sol_pool_lifecycle_follows_reference_epoch_after_epoch() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 3 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let pool = create_pool(&mut env, PROGRAM_ID, &config).await;
    // Pre-funded reserve lamports are minted to the manager, not left for the first depositor.
    assert_eq!(
        env.token_balance(&pool.manager_fee_account).await,
        3 * LAMPORTS_PER_SOL
    );
    let state = spl_pool_state(&mut env, &pool).await;
    assert_eq!(
        (state.total_lamports, state.pool_token_supply),
        (3 * LAMPORTS_PER_SOL, 3 * LAMPORTS_PER_SOL)
    );
    assert_eq!(state.epoch_fee, config.epoch_fee);
    assert_eq!(state.sol_deposit_fee, config.deposit_fee);
    assert_eq!(state.stake_deposit_fee, config.deposit_fee);
    assert_eq!(state.sol_withdrawal_fee, config.withdrawal_fee);
    assert_eq!(state.sol_referral_fee, config.referral_fee);
    assert_eq!(state.last_update_epoch, env.epoch().await);
    assert_eq!(
        state.stake_withdraw_bump_seed,
        spl_stake_pool::find_withdraw_authority_program_address(
            &PROGRAM_ID,
            &pool.stake_pool.pubkey()
        )
        .1
    );

    let alice = user(&mut env, &pool).await;
    let bob = user(&mut env, &pool).await;
    let referrer = user(&mut env, &pool).await;
    deposit(&mut env, &pool, &alice, &referrer, 10 * LAMPORTS_PER_SOL).await;
    deposit(
        &mut env,
        &pool,
        &bob,
        &referrer,
        7 * LAMPORTS_PER_SOL + 123_457,
    )
    .await;

    // Fee changes: the expected state comes from the reference's own `update_fee`.
    for fee in [
        FeeType::Epoch(Fee {
            denominator: 100,
            numerator: 8,
        }),
        FeeType::SolWithdrawal(Fee {
            denominator: 10_000,
            numerator: 15,
        }),
        FeeType::StakeWithdrawal(Fee {
            denominator: 10_000,
            numerator: 12,
        }),
        FeeType::SolDeposit(Fee {
            denominator: 100,
            numerator: 1,
        }),
        FeeType::StakeDeposit(Fee {
            denominator: 100,
            numerator: 2,
        }),
        FeeType::SolReferral(50),
        FeeType::StakeReferral(10),
    ] {
        let mut expected = spl_pool_state(&mut env, &pool).await;
        expected.update_fee(&fee).unwrap();
        let ix = spl_stake_pool::instruction::set_fee(
            &pool.program_id,
            &pool.stake_pool.pubkey(),
            &pool.manager.pubkey(),
            fee,
        );
        env.send(&[ix], &[&pool.manager]).await.unwrap();
        assert_pool(&mut env, &pool, &expected).await;
    }

    for round in 0..4u64 {
        env.transfer(&pool.reserve_stake, (round + 1) * 37_000_001)
            .await;
        env.next_epoch().await;
        update(&mut env, &pool).await;
        deposit(
            &mut env,
            &pool,
            &bob,
            &referrer,
            LAMPORTS_PER_SOL / 3 + round,
        )
        .await;
        let alice_tokens = env.token_balance(&alice.account).await;
        withdraw(&mut env, &pool, &alice, alice_tokens / 5).await;
    }
    let state = spl_pool_state(&mut env, &pool).await;
    assert_eq!(
        state.epoch_fee,
        Fee {
            denominator: 100,
            numerator: 8
        },
        "epoch fee rotated in"
    );
    assert_eq!(
        state.sol_withdrawal_fee,
        Fee {
            denominator: 10_000,
            numerator: 15
        }
    );

    // A second update in the same epoch only recounts.
    update(&mut env, &pool).await;

    for holder in [&alice, &bob, &referrer] {
        let tokens = env.token_balance(&holder.account).await;
        withdraw(&mut env, &pool, holder, tokens).await;
    }
}

#[tokio::test]
#[allow(deprecated)]
async fn authorities_and_manager_changes() {
    let mut env = start().await;
    let pool = create_pool(&mut env, PROGRAM_ID, &PoolConfig::default()).await;
    let depositor = Keypair::new();
    let new_staker = Keypair::new().pubkey();
    let (program_id, stake_pool, manager) = (
        pool.program_id,
        pool.stake_pool.pubkey(),
        pool.manager.pubkey(),
    );
    for (authority, funding_type) in [
        (Some(depositor.pubkey()), FundingType::SolDeposit),
        (Some(depositor.pubkey()), FundingType::SolWithdraw),
        (Some(depositor.pubkey()), FundingType::StakeDeposit),
        (None, FundingType::SolWithdraw),
        (None, FundingType::StakeDeposit),
    ] {
        let ix = spl_stake_pool::instruction::set_funding_authority(
            &program_id,
            &stake_pool,
            &manager,
            authority.as_ref(),
            funding_type,
        );
        env.send(&[ix], &[&pool.manager]).await.unwrap();
    }
    let ix =
        spl_stake_pool::instruction::set_staker(&program_id, &stake_pool, &manager, &new_staker);
    env.send(&[ix], &[&pool.manager]).await.unwrap();
    let state = spl_pool_state(&mut env, &pool).await;
    assert_eq!(state.sol_deposit_authority, Some(depositor.pubkey()));
    assert_eq!(state.sol_withdraw_authority, None);
    assert_eq!(
        state.stake_deposit_authority,
        spl_stake_pool::find_deposit_authority_program_address(&PROGRAM_ID, &stake_pool).0
    );
    assert_eq!(state.staker, new_staker);

    // With a SOL deposit authority set, deposits need its signature.
    let alice = user(&mut env, &pool).await;
    let unsigned = deposit_sol_instruction(
        &pool,
        &alice.keypair.pubkey(),
        &alice.account,
        &alice.account,
        LAMPORTS_PER_SOL,
    );
    let error = env.send(&[unsigned], &[&alice.keypair]).await;
    assert_eq!(
        instruction_error(error),
        solana_sdk::instruction::InstructionError::NotEnoughAccountKeys
    );
    let signed = spl_stake_pool::instruction::deposit_sol_with_authority(
        &program_id,
        &stake_pool,
        &depositor.pubkey(),
        &pool.withdraw_authority,
        &pool.reserve_stake,
        &alice.keypair.pubkey(),
        &alice.account,
        &pool.manager_fee_account,
        &alice.account,
        &pool.pool_mint.pubkey(),
        &spl_token_interface::id(),
        LAMPORTS_PER_SOL,
    );
    env.send(&[signed], &[&alice.keypair, &depositor])
        .await
        .unwrap();
    assert!(env.token_balance(&alice.account).await > 0);

    // Manager hand-over: both must sign; the new fee account must hold the pool mint.
    let (new_manager, new_fee_account) = env.pool_user(&pool, LAMPORTS_PER_SOL).await;
    let ix = spl_stake_pool::instruction::set_manager(
        &program_id,
        &stake_pool,
        &manager,
        &new_manager.pubkey(),
        &new_fee_account,
    );
    env.send(&[ix], &[&pool.manager, &new_manager])
        .await
        .unwrap();
    let state = spl_pool_state(&mut env, &pool).await;
    assert_eq!(
        (state.manager, state.manager_fee_account),
        (new_manager.pubkey(), new_fee_account)
    );
}

/// Where we deliberately differ: a pool mint with a freeze authority is refused, because it
/// could freeze holders' claims on the pool. The reference accepts it.
#[tokio::test]
async fn freeze_authority_refused_here_accepted_by_reference() {
    let mut env = start().await;
    let config = PoolConfig::default();
    for (program_id, refused) in [(PROGRAM_ID, true), (SPL_PROGRAM_ID, false)] {
        let pool = prepare_pool(&mut env, program_id, &config).await;
        // Replace the mint with one that has a freeze authority.
        let mint = Keypair::new();
        env.create_mint(
            &mint,
            &pool.withdraw_authority,
            9,
            Some(&pool.manager.pubkey()),
        )
        .await;
        let fee_account = env
            .create_token_account(&mint.pubkey(), &pool.manager.pubkey())
            .await;
        let pool = Pool {
            pool_mint: mint,
            manager_fee_account: fee_account,
            ..pool
        };
        let result = env
            .send(
                &[initialize_instruction(&pool, &config, None)],
                &[&pool.manager],
            )
            .await;
        if refused {
            assert_pool_error(
                result,
                spl_stake_pool::error::StakePoolError::InvalidMintFreezeAuthority,
            );
        } else {
            result.unwrap();
        }
    }
}
