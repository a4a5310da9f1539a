//! Regression tests for the attack classes in the stake pool audits that concern SOL pools.

use p_stake_pool_tests::*;
use solana_sdk::signature::{Keypair, Signer};
use spl_stake_pool::error::StakePoolError as E;

/// Updating while partitioned rewards are paid would snapshot half-paid balances.
#[tokio::test]
async fn update_during_epoch_rewards_is_refused() {
    let mut env = start().await;
    let pool = create_pool(&mut env, PROGRAM_ID, &PoolConfig::default()).await;
    env.next_epoch_in_rewards_period().await;
    assert!(env.epoch_rewards_active().await);
    let before = env.snapshot(&pool.state_addresses()).await;
    let result = env.send(&update_instructions(&pool)[..1], &[]).await;
    assert_pool_error(result, E::EpochRewardDistributionInProgress);
    assert_eq!(env.snapshot(&pool.state_addresses()).await, before);
}

/// Lamports in the reserve before the first deposit go to the manager, not the first depositor.
#[tokio::test]
async fn first_depositor_cannot_capture_prefunded_reserve() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 50 * LAMPORTS_PER_SOL,
        deposit_fee: Default::default(),
        ..PoolConfig::default()
    };
    let pool = create_pool(&mut env, PROGRAM_ID, &config).await;
    let (attacker, account) = env.pool_user(&pool, 10 * LAMPORTS_PER_SOL).await;
    let ix = deposit_sol_instruction(
        &pool,
        &attacker.pubkey(),
        &account,
        &account,
        LAMPORTS_PER_SOL,
    );
    env.send(&[ix], &[&attacker]).await.unwrap();
    let tokens = env.token_balance(&account).await;
    let destination = Keypair::new().pubkey();
    let ix = withdraw_sol_instruction(&pool, &attacker.pubkey(), &account, &destination, tokens);
    env.send(&[ix], &[&attacker]).await.unwrap();
    assert!(env.lamports(&destination).await <= LAMPORTS_PER_SOL);
}

/// A broken manager fee account (closed) never blocks users: the fee is skipped.
#[tokio::test]
async fn fee_account_that_blocks_withdrawals_is_bypassed() {
    let mut env = start().await;
    let pool = create_pool(&mut env, PROGRAM_ID, &PoolConfig::default()).await;
    let (user, account) = env.pool_user(&pool, 10 * LAMPORTS_PER_SOL).await;
    let ix = deposit_sol_instruction(
        &pool,
        &user.pubkey(),
        &account,
        &account,
        2 * LAMPORTS_PER_SOL,
    );
    env.send(&[ix], &[&user]).await.unwrap();
    // The manager empties and closes its fee account.
    let fee_tokens = env.token_balance(&pool.manager_fee_account).await;
    let sink = env
        .create_token_account(&pool.pool_mint.pubkey(), &pool.manager.pubkey())
        .await;
    let ixs = [
        spl_token_interface::instruction::transfer(
            &spl_token_interface::id(),
            &pool.manager_fee_account,
            &sink,
            &pool.manager.pubkey(),
            &[],
            fee_tokens,
        )
        .unwrap(),
        spl_token_interface::instruction::close_account(
            &spl_token_interface::id(),
            &pool.manager_fee_account,
            &pool.manager.pubkey(),
            &pool.manager.pubkey(),
            &[],
        )
        .unwrap(),
    ];
    env.send(&ixs, &[&pool.manager]).await.unwrap();
    let tokens = env.token_balance(&account).await;
    let destination = Keypair::new().pubkey();
    let ix = withdraw_sol_instruction(&pool, &user.pubkey(), &account, &destination, tokens);
    env.send(&[ix], &[&user]).await.unwrap();
    assert_eq!(env.token_balance(&account).await, 0);
    assert!(env.lamports(&destination).await > 0);
    // The epoch update also still runs, minting no fee.
    env.transfer(&pool.reserve_stake, LAMPORTS_PER_SOL).await;
    env.next_epoch().await;
    env.send(&update_instructions(&pool), &[]).await.unwrap();
}

/// Split withdrawals never return more than one withdrawal of the same tokens.
#[tokio::test]
async fn rounding_split_withdrawals_never_extract_value() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 1_000_003,
        ..PoolConfig::default()
    };
    let pool = create_pool(&mut env, PROGRAM_ID, &config).await;
    let (user, account) = env.pool_user(&pool, 10 * LAMPORTS_PER_SOL).await;
    let ix = deposit_sol_instruction(
        &pool,
        &user.pubkey(),
        &account,
        &account,
        3 * LAMPORTS_PER_SOL + 7,
    );
    env.send(&[ix], &[&user]).await.unwrap();
    env.transfer(&pool.reserve_stake, 333_333_337).await; // reward: an uneven exchange rate
    env.next_epoch().await;
    env.send(&update_instructions(&pool), &[]).await.unwrap();
    let tokens = env.token_balance(&account).await;
    let whole = spl_pool_state(&mut env, &pool).await;
    let fee = whole.calc_pool_tokens_sol_withdrawal_fee(tokens).unwrap();
    let single = whole.calc_lamports_withdraw_amount(tokens - fee).unwrap();
    let destination = Keypair::new().pubkey();
    let mut remaining = tokens;
    for part in [1u64, 3, 7, 11, 1_000, 999_999] {
        let ix = withdraw_sol_instruction(&pool, &user.pubkey(), &account, &destination, part);
        let _ = env.send(&[ix], &[&user]).await; // tiny parts may be WithdrawalTooSmall
        remaining = env.token_balance(&account).await;
    }
    let ix = withdraw_sol_instruction(&pool, &user.pubkey(), &account, &destination, remaining);
    env.send(&[ix], &[&user]).await.unwrap();
    assert!(
        env.lamports(&destination).await <= single,
        "split withdrawals extracted value"
    );
}

/// SOL withdrawals never take the reserve below its rent-exempt minimum.
#[tokio::test]
async fn withdraw_never_drains_reserve_below_rent() {
    let mut env = start().await;
    let config = PoolConfig {
        withdrawal_fee: Default::default(),
        ..PoolConfig::default()
    };
    let pool = create_pool(&mut env, PROGRAM_ID, &config).await;
    let (user, account) = env.pool_user(&pool, 10 * LAMPORTS_PER_SOL).await;
    let ix = deposit_sol_instruction(&pool, &user.pubkey(), &account, &account, LAMPORTS_PER_SOL);
    env.send(&[ix], &[&user]).await.unwrap();
    // Someone's lamports leave the reserve accounting: the pool believes it holds more.
    let tokens = env.token_balance(&account).await;
    let destination = Keypair::new().pubkey();
    let ix = withdraw_sol_instruction(&pool, &user.pubkey(), &account, &destination, tokens);
    env.send(&[ix], &[&user]).await.unwrap();
    let rent = env.rent_exempt(STAKE_ACCOUNT_LEN).await;
    assert!(env.lamports(&pool.reserve_stake).await >= rent);
}
