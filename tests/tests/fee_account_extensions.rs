//! Token-2022 manager fee accounts, side by side with the SPL stake pool 2.2.0 processor:
//! the allowed extensions (immutable owner, CPI guard) work; any other (required memos) is
//! refused at initialization with `UnsupportedFeeAccountExtension`; and a fee account the
//! manager turns hostile later (required memos would fail every fee transfer) never blocks a
//! withdrawal: the fee is skipped.

use p_stake_pool_tests::{twin::Twin, *};
use solana_sdk::signature::Signer;
use spl_stake_pool::error::StakePoolError;
use spl_token_2022_interface::extension::ExtensionType;

fn token_2022_pool(fee_account_extensions: Vec<ExtensionType>) -> PoolConfig {
    PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        token_program: spl_token_2022_interface::id(),
        fee_account_extensions,
        ..PoolConfig::default()
    }
}

#[tokio::test]
async fn fee_account_with_allowed_extensions_collects_fees() {
    let mut env = start().await;
    let config = token_2022_pool(vec![ExtensionType::ImmutableOwner, ExtensionType::CpiGuard]);
    let mut twin = Twin::create(&mut env, &config).await;
    let alice = twin.add_user(&mut env, 100 * LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, alice, alice, 20 * LAMPORTS_PER_SOL)
        .await;
    let fees = env.token_balance(&twin.ours.manager_fee_account).await;
    twin.withdraw_sol(&mut env, alice, 5 * LAMPORTS_PER_SOL)
        .await;
    twin.assert_same(&mut env).await;
    assert!(env.token_balance(&twin.ours.manager_fee_account).await > fees);
}

#[tokio::test]
async fn fee_account_with_disallowed_extension_is_refused() {
    let mut env = start().await;
    let config = token_2022_pool(vec![ExtensionType::MemoTransfer]);
    for program_id in [PROGRAM_ID, SPL_PROGRAM_ID] {
        let pool = prepare_pool(&mut env, program_id, &config).await;
        let before = env.snapshot(&pool.state_addresses()).await;
        let result = env
            .send(
                &[initialize_instruction(&pool, &config, None)],
                &[&pool.manager],
            )
            .await;
        assert_pool_error(result, StakePoolError::UnsupportedFeeAccountExtension);
        assert_eq!(env.snapshot(&pool.state_addresses()).await, before);
    }
}

#[tokio::test]
async fn fee_account_turned_hostile_never_blocks_withdrawals() {
    let mut env = start().await;
    let config = token_2022_pool(vec![]);
    let mut twin = Twin::create(&mut env, &config).await;
    let alice = twin.add_user(&mut env, 100 * LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, alice, alice, 20 * LAMPORTS_PER_SOL)
        .await;
    // The manager grows its fee account and requires memos on incoming transfers: every fee
    // transfer a withdrawal makes would now fail.
    for pool in [&twin.ours, &twin.reference] {
        let payer = env.payer();
        let grow = spl_token_2022_interface::instruction::reallocate(
            &spl_token_2022_interface::id(),
            &pool.manager_fee_account,
            &payer.pubkey(),
            &pool.manager.pubkey(),
            &[],
            &[ExtensionType::MemoTransfer],
        )
        .unwrap();
        env.send(&[grow], &[&pool.manager]).await.unwrap();
        let manager = pool.manager.insecure_clone();
        env.enable_account_extensions(
            &pool.manager_fee_account,
            &manager,
            &[ExtensionType::MemoTransfer],
        )
        .await;
    }
    let fees = env.token_balance(&twin.ours.manager_fee_account).await;
    twin.withdraw_sol(&mut env, alice, 5 * LAMPORTS_PER_SOL)
        .await;
    twin.assert_same(&mut env).await;
    // Stake withdrawals too (from the reserve: the pool has no validators).
    twin.withdraw_stake(
        &mut env,
        alice,
        |p| p.reserve_stake,
        3 * LAMPORTS_PER_SOL,
        None,
    )
    .await
    .unwrap();
    twin.assert_same(&mut env).await;
    assert_eq!(
        env.token_balance(&twin.ours.manager_fee_account).await,
        fees,
        "no fee was taken"
    );
}
