//! Regression tests for the audit findings that concern stake deposits and withdrawals
//! (`security-findings.md`), side by side with the SPL stake pool 2.2.0 processor.

use p_stake_pool_tests::{
    twin::{Side, Twin},
    *,
};
use spl_stake_pool::{
    error::StakePoolError,
    instruction::PreferredValidatorType,
    state::{Fee, FeeType},
};

async fn settle(env: &mut Env, twin: &Twin, epochs: usize) {
    for _ in 0..epochs {
        env.next_epoch().await;
        twin.full_update(env).await;
        twin.assert_same(env).await;
    }
}

/// Lamports that ride along with a deposited stake account are not delegated: they must be
/// priced with the SOL deposit fee and moved to the reserve, never credited as stake.
#[tokio::test]
async fn undelegated_lamports_credited_as_stake_pay_the_sol_fee() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let bob = twin.add_user(&mut env, 100 * LAMPORTS_PER_SOL).await;
    let referrer = twin.add_user(&mut env, LAMPORTS_PER_SOL).await;
    // No fee on stake, 10% on SOL: any lamport credited as stake would dodge the 10%.
    for fee in [
        FeeType::StakeDeposit(Fee::default()),
        FeeType::SolDeposit(Fee {
            denominator: 10,
            numerator: 1,
        }),
    ] {
        twin.set_fee(&mut env, fee).await.unwrap();
    }
    let vote = env.create_vote_account(0).await;
    twin.add_validator(&mut env, &vote).await.unwrap();
    let stakes = twin
        .create_user_stakes(&mut env, &vote, 10 * LAMPORTS_PER_SOL)
        .await;
    settle(&mut env, &twin, 2).await;
    let extra = 7 * LAMPORTS_PER_SOL;
    for stake in &stakes {
        env.transfer(stake, extra).await;
    }
    let delegated = {
        let data = env.account(&stakes[0]).await.unwrap().data;
        u64::from_le_bytes(data[156..164].try_into().unwrap())
    };
    let undelegated = env.lamports(&stakes[0]).await - delegated;
    let reserve_before = env.lamports(&twin.ours.reserve_stake).await;
    let state = spl_pool_state(&mut env, &twin.ours).await;
    twin.deposit_stake(&mut env, &stakes, bob, referrer, None, &[])
        .await
        .unwrap();
    twin.assert_same(&mut env).await;

    // The undelegated part went to the reserve, and paid 10% on its pool tokens.
    assert_eq!(
        env.lamports(&twin.ours.reserve_stake).await - reserve_before,
        undelegated
    );
    let for_stake = state.calc_pool_tokens_for_deposit(delegated).unwrap();
    let for_all = state
        .calc_pool_tokens_for_deposit(delegated + undelegated)
        .unwrap();
    let sol_fee = (for_all - for_stake).div_ceil(10);
    assert_eq!(
        env.token_balance(&twin.users[bob].ours).await,
        for_all - sol_fee,
        "every undelegated lamport paid the SOL deposit fee"
    );
    assert_pool_invariants(&mut env, &twin.ours).await;
}

/// Withdrawing stake in many small parts never returns more than withdrawing it at once:
/// each part rounds down and pays its fee rounded up.
#[tokio::test]
async fn split_stake_withdrawal_never_extracts_value() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let alice = twin.add_user(&mut env, 1_000 * LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, alice, alice, 300 * LAMPORTS_PER_SOL)
        .await;
    let vote = env.create_vote_account(0).await;
    twin.add_validator(&mut env, &vote).await.unwrap();
    twin.increase(&mut env, &vote, 200 * LAMPORTS_PER_SOL, 0)
        .await
        .unwrap();
    env.credit_votes(&vote, 1_000);
    settle(&mut env, &twin, 2).await;

    let tokens = 10 * LAMPORTS_PER_SOL + 12_345;
    let state = spl_pool_state(&mut env, &twin.ours).await;
    let fee = state.calc_pool_tokens_stake_withdrawal_fee(tokens).unwrap();
    let at_once = state.calc_lamports_withdraw_amount(tokens - fee).unwrap();
    let parts = 7;
    let mut received = 0;
    for part in 0..parts {
        let amount = if part + 1 == parts {
            tokens - tokens / parts * (parts - 1)
        } else {
            tokens / parts
        };
        let accounts = twin
            .withdraw_stake(&mut env, alice, |p| p.validator_stake(&vote), amount, None)
            .await
            .unwrap();
        received += env.lamports(&accounts[0]).await - env.rent_exempt(STAKE_ACCOUNT_LEN).await;
    }
    twin.assert_same(&mut env).await;
    assert!(
        received <= at_once,
        "{parts} parts returned {received}, one withdrawal {at_once}"
    );
    assert_pool_invariants(&mut env, &twin.ours).await;
}

/// Liveness: when every validator sits at the minimum (plus a lamport), nobody is locked in.
/// Stake comes from the reserve while it has enough, then a whole validator account can go.
#[tokio::test]
async fn everyone_can_exit_when_validators_sit_at_the_minimum() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 2 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let alice = twin.add_user(&mut env, 100 * LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, alice, alice, 8 * LAMPORTS_PER_SOL)
        .await;
    let votes = [
        env.create_vote_account(0).await,
        env.create_vote_account(0).await,
    ];
    for vote in &votes {
        twin.add_validator(&mut env, vote).await.unwrap();
    }
    settle(&mut env, &twin, 2).await;
    // A lamport above the minimum on each validator stake (the crank would sweep tips, so
    // they arrive after the update).
    for side in [Side::Ours, Side::Reference] {
        for vote in &votes {
            env.transfer(&twin.pool(side).validator_stake(vote), 1)
                .await;
        }
    }

    // Below the tolerance everywhere: the reserve pays stake out.
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
    // A validator stake account can be taken whole at its value.
    let whole = env.lamports(&twin.ours.validator_stake(&votes[0])).await;
    // Tokens worth a lamport less than the whole account.
    let state = spl_pool_state(&mut env, &twin.ours).await;
    let tokens = pool_tokens_worth(&state, whole - 1);
    let outcome = twin
        .withdraw_stake(
            &mut env,
            alice,
            |p| p.validator_stake(&votes[0]),
            tokens,
            None,
        )
        .await;
    // Tokens worth a lamport less than the account cannot take it whole; after the update
    // sweeps the extra lamport to the reserve, tokens worth the account's value do.
    assert_pool_error(
        outcome.map(|_| ()),
        StakePoolError::StakeLamportsNotEqualToMinimum,
    );
    twin.full_update(&mut env).await;
    let whole = env.lamports(&twin.ours.validator_stake(&votes[0])).await;
    let state = spl_pool_state(&mut env, &twin.ours).await;
    let tokens = pool_tokens_worth(&state, whole);
    let received = twin
        .withdraw_stake(
            &mut env,
            alice,
            |p| p.validator_stake(&votes[0]),
            tokens,
            None,
        )
        .await
        .unwrap();
    // The receiving account held its own rent already; it now holds the whole stake too.
    let rent = env.rent_exempt(STAKE_ACCOUNT_LEN).await;
    assert_eq!(env.lamports(&received[0]).await, whole + rent);
    assert!(env
        .account(&twin.ours.validator_stake(&votes[0]))
        .await
        .is_none());
    twin.assert_same(&mut env).await;
    // The rest leaves as SOL.
    let left = env.token_balance(&twin.users[alice].ours).await;
    twin.withdraw_sol(&mut env, alice, left / 2).await;
    twin.assert_same(&mut env).await;
}

/// Preferred validators cannot be misused: only an active pool validator can be preferred,
/// a preferred deposit validator pins deposits, a preferred withdraw validator must be
/// drained first, and removing it clears the preference.
#[tokio::test]
async fn preferred_validator_misuse_is_refused() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let alice = twin.add_user(&mut env, 500 * LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, alice, alice, 100 * LAMPORTS_PER_SOL)
        .await;
    let votes = [
        env.create_vote_account(0).await,
        env.create_vote_account(0).await,
    ];
    for vote in &votes {
        twin.add_validator(&mut env, vote).await.unwrap();
        twin.increase(&mut env, vote, 30 * LAMPORTS_PER_SOL, 0)
            .await
            .unwrap();
    }
    let stakes = twin
        .create_user_stakes(&mut env, &votes[1], 5 * LAMPORTS_PER_SOL)
        .await;
    settle(&mut env, &twin, 2).await;

    let outsider = env.create_vote_account(0).await;
    let refused = twin
        .set_preferred(&mut env, PreferredValidatorType::Deposit, Some(outsider))
        .await;
    assert_pool_error(refused, StakePoolError::ValidatorNotFound);
    twin.set_preferred(&mut env, PreferredValidatorType::Deposit, Some(votes[0]))
        .await
        .unwrap();
    twin.set_preferred(&mut env, PreferredValidatorType::Withdraw, Some(votes[0]))
        .await
        .unwrap();
    let refused = twin
        .deposit_stake(&mut env, &stakes, alice, alice, None, &[])
        .await;
    assert_pool_error(refused, StakePoolError::IncorrectDepositVoteAddress);
    let refused = twin
        .withdraw_stake(
            &mut env,
            alice,
            |p| p.validator_stake(&votes[1]),
            3 * LAMPORTS_PER_SOL,
            None,
        )
        .await;
    assert_pool_error(
        refused.map(|_| ()),
        StakePoolError::IncorrectWithdrawVoteAddress,
    );
    twin.withdraw_stake(
        &mut env,
        alice,
        |p| p.validator_stake(&votes[0]),
        3 * LAMPORTS_PER_SOL,
        None,
    )
    .await
    .unwrap();
    // Removing the preferred validator clears both preferences; deposits elsewhere work.
    twin.remove_validator(&mut env, &votes[0]).await.unwrap();
    let state = spl_pool_state(&mut env, &twin.ours).await;
    assert_eq!(state.preferred_deposit_validator_vote_address, None);
    assert_eq!(state.preferred_withdraw_validator_vote_address, None);
    twin.deposit_stake(&mut env, &stakes, alice, alice, None, &[])
        .await
        .unwrap();
    twin.assert_same(&mut env).await;
}
