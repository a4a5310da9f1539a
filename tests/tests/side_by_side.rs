//! The same SOL-pool history on our `.so` and on the SPL stake pool 2.2.0 native processor in
//! one bank: after every step the two pools must agree on state, token amounts, lamports and
//! validator-list bytes, and failing steps must fail with the same error.

use p_stake_pool_tests::{twin::Twin, *};
use solana_sdk::signature::Signer;
use spl_stake_pool::{
    error::StakePoolError,
    state::{Fee, FeeType},
};

#[tokio::test]
async fn sol_pool_history_matches_reference() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 2 * LAMPORTS_PER_SOL + 17,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let alice = twin.add_user(&mut env, 100 * LAMPORTS_PER_SOL).await;
    let bob = twin.add_user(&mut env, 100 * LAMPORTS_PER_SOL).await;
    let referrer = twin.add_user(&mut env, LAMPORTS_PER_SOL).await;
    twin.assert_same(&mut env).await;

    twin.deposit_sol(&mut env, alice, referrer, 10 * LAMPORTS_PER_SOL)
        .await;
    twin.deposit_sol(&mut env, bob, referrer, 3 * LAMPORTS_PER_SOL + 999_999_937)
        .await;
    // A user referring themselves.
    twin.deposit_sol(&mut env, bob, bob, 1_000_003).await;
    twin.assert_same(&mut env).await;

    for fee in [
        FeeType::Epoch(Fee {
            denominator: 100,
            numerator: 7,
        }),
        FeeType::SolWithdrawal(Fee {
            denominator: 10_000,
            numerator: 15,
        }),
        FeeType::SolDeposit(Fee {
            denominator: 10_000,
            numerator: 45,
        }),
        FeeType::SolReferral(35),
    ] {
        twin.set_fee(&mut env, fee).await.unwrap();
        twin.assert_same(&mut env).await;
    }
    // Above the withdrawal-fee increase cap: both refuse.
    let refused = twin
        .set_fee(
            &mut env,
            FeeType::SolWithdrawal(Fee {
                denominator: 10,
                numerator: 9,
            }),
        )
        .await;
    assert_pool_error(refused, StakePoolError::FeeIncreaseTooHigh);

    for round in 0..4u64 {
        twin.reward_reserves(&mut env, 50_000_000 + round * 1_234_567)
            .await;
        env.next_epoch().await;
        // Not updated yet: both refuse deposits.
        let user = &twin.users[alice];
        let stale = twin
            .run(&mut env, &[&user.keypair], |pool, side| {
                vec![deposit_sol_instruction(
                    pool,
                    &user.keypair.pubkey(),
                    &user.account(side),
                    &user.account(side),
                    LAMPORTS_PER_SOL,
                )]
            })
            .await;
        assert_pool_error(stale, StakePoolError::StakeListAndPoolOutOfDate);

        twin.update(&mut env).await;
        twin.assert_same(&mut env).await;
        twin.deposit_sol(&mut env, bob, referrer, LAMPORTS_PER_SOL / 7 + round)
            .await;
        let tokens = env.token_balance(&twin.users[alice].ours).await;
        twin.withdraw_sol(&mut env, alice, tokens / 3).await;
        twin.assert_same(&mut env).await;
    }

    // Everyone leaves; the manager keeps the fees.
    for user in [alice, bob, referrer] {
        let tokens = env.token_balance(&twin.users[user].ours).await;
        if tokens > 0 {
            twin.withdraw_sol(&mut env, user, tokens).await;
        }
        twin.assert_same(&mut env).await;
    }
}
