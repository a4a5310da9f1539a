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

/// A Token-2022 pool whose mint carries every kind of extension SPL allows, including a
/// transfer fee that bites on the withdrawal fee's transfer to the manager.
#[tokio::test]
async fn token_2022_pool_with_allowed_extensions_matches_reference() {
    let mut env = start().await;
    let config = PoolConfig {
        token_program: spl_token_2022_interface::id(),
        mint_extensions: vec![
            MintExtension::TransferFee {
                basis_points: 50,
                maximum: 5_000_000,
            },
            MintExtension::MetadataPointer,
            MintExtension::InterestBearing { rate: 250 },
        ],
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let alice = twin.add_user(&mut env, 100 * LAMPORTS_PER_SOL).await;
    let bob = twin.add_user(&mut env, 100 * LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, alice, bob, 20 * LAMPORTS_PER_SOL)
        .await;
    twin.deposit_sol(&mut env, bob, alice, 5 * LAMPORTS_PER_SOL + 3)
        .await;
    twin.assert_same(&mut env).await;
    for round in 0..2u64 {
        twin.reward_reserves(&mut env, 80_000_000 + round).await;
        env.next_epoch().await;
        twin.update(&mut env).await;
        twin.assert_same(&mut env).await;
        let tokens = env.token_balance(&twin.users[alice].ours).await;
        twin.withdraw_sol(&mut env, alice, tokens / 2).await;
        twin.assert_same(&mut env).await;
    }
}

/// Mint extensions that would let someone close, freeze in place or move the pool token are
/// refused at Initialize by both programs with the same error.
#[tokio::test]
async fn token_2022_mint_with_refused_extension_fails_like_reference() {
    let mut env = start().await;
    for extension in [
        MintExtension::MintCloseAuthority,
        MintExtension::NonTransferable,
        MintExtension::PermanentDelegate,
    ] {
        let config = PoolConfig {
            token_program: spl_token_2022_interface::id(),
            mint_extensions: vec![MintExtension::MetadataPointer, extension],
            ..PoolConfig::default()
        };
        let mut outcomes = Vec::new();
        for program_id in [PROGRAM_ID, SPL_PROGRAM_ID] {
            let pool = prepare_pool(&mut env, program_id, &config).await;
            let before = env.snapshot(&pool.state_addresses()).await;
            let result = env
                .send(
                    &[initialize_instruction(&pool, &config, None)],
                    &[&pool.manager],
                )
                .await;
            outcomes.push(instruction_error(result));
            assert_eq!(env.snapshot(&pool.state_addresses()).await, before);
        }
        assert_eq!(
            outcomes,
            vec![
                solana_sdk::instruction::InstructionError::Custom(
                    StakePoolError::UnsupportedMintExtension as u32
                );
                2
            ],
            "{extension:?}"
        );
    }
}

/// Validators with real inflation rewards: add, earn across epochs, remove, and the epoch
/// update moving everything back to the reserve, identical to the reference at every step.
#[tokio::test]
async fn validators_with_real_rewards_match_reference() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let alice = twin.add_user(&mut env, 1_000 * LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, alice, alice, 100 * LAMPORTS_PER_SOL)
        .await;
    let votes = [
        env.create_vote_account(5).await,
        env.create_vote_account(10).await,
        env.create_vote_account(0).await,
    ];
    for vote in &votes {
        twin.add_validator(&mut env, vote).await.unwrap();
        twin.assert_same(&mut env).await;
    }
    // Adding the same validator twice fails the same way.
    let again = twin.add_validator(&mut env, &votes[0]).await;
    assert_pool_error(again, StakePoolError::ValidatorAlreadyAdded);

    // The new validator stakes activate during the first epoch; rewards start after it.
    for vote in &votes {
        env.credit_votes(vote, 1_000);
    }
    env.next_epoch().await;
    twin.full_update(&mut env).await;
    twin.assert_same(&mut env).await;
    let state = spl_pool_state(&mut env, &twin.ours).await;
    let mut last_total = state.total_lamports;
    let mut last_rate = state.total_lamports as f64 / state.pool_token_supply as f64;
    let mut last_fees = env.token_balance(&twin.ours.manager_fee_account).await;
    for _ in 0..4 {
        for vote in &votes {
            env.credit_votes(vote, 1_000);
        }
        env.next_epoch().await;
        twin.full_update(&mut env).await;
        twin.assert_same(&mut env).await;
        let state = spl_pool_state(&mut env, &twin.ours).await;
        // Real inflation rewards: the total grows every epoch, so does SOL per pool token,
        // and the manager is paid the epoch fee in pool tokens (its amount is the reference's,
        // compared by assert_same above).
        assert!(
            state.total_lamports > last_total,
            "no inflation reward arrived"
        );
        let rate = state.total_lamports as f64 / state.pool_token_supply as f64;
        assert!(rate > last_rate, "exchange rate did not rise");
        let fees = env.token_balance(&twin.ours.manager_fee_account).await;
        assert!(fees > last_fees, "no epoch fee minted");
        (last_total, last_rate, last_fees) = (state.total_lamports, rate, fees);
    }
    let list = spl_validator_list(&mut env, &twin.ours).await;
    let rewarded: u64 = list
        .validators
        .iter()
        .map(|v| u64::from(v.active_stake_lamports))
        .sum();
    let rent = env.rent_exempt(STAKE_ACCOUNT_LEN).await;
    assert!(
        rewarded > 3 * (rent + 1_000_000),
        "validator stake earned inflation rewards"
    );

    // Tips: lamports sent straight to a validator stake end up in the reserve.
    let (stake, _) = spl_stake_pool::find_stake_program_address(
        &PROGRAM_ID,
        &votes[1],
        &twin.ours.stake_pool.pubkey(),
        None,
    );
    let (reference_stake, _) = spl_stake_pool::find_stake_program_address(
        &SPL_PROGRAM_ID,
        &votes[1],
        &twin.reference.stake_pool.pubkey(),
        None,
    );
    env.transfer(&stake, 12_345_678).await;
    env.transfer(&reference_stake, 12_345_678).await;
    env.next_epoch().await;
    twin.full_update(&mut env).await;
    twin.assert_same(&mut env).await;

    // Removal: the stake deactivates, comes back to the reserve, and cleanup drops the entry.
    twin.remove_validator(&mut env, &votes[1]).await.unwrap();
    twin.assert_same(&mut env).await;
    for _ in 0..2 {
        env.next_epoch().await;
        twin.full_update(&mut env).await;
        twin.assert_same(&mut env).await;
    }
    let list = spl_validator_list(&mut env, &twin.ours).await;
    assert_eq!(list.validators.len(), 2, "removed validator cleaned up");

    let tokens = env.token_balance(&twin.users[alice].ours).await;
    twin.withdraw_sol(&mut env, alice, tokens / 2).await;
    twin.assert_same(&mut env).await;
}
