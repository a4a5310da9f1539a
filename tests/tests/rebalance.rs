//! Moving stake between the reserve and validators, side by side with the SPL stake pool 2.2.0
//! native processor in one bank: increases, additional increases through ephemeral accounts,
//! decreases of all three kinds, preferred validators, and the updates that settle transients,
//! with real vote credits and inflation rewards. After every step both pools must agree on
//! state, token amounts, reserve lamports and validator-list bytes, and failing steps must fail
//! with the same error.

use p_stake_pool_tests::{twin::Twin, *};
use solana_sdk::{pubkey::Pubkey, signature::Signer};
use spl_stake_pool::{error::StakePoolError, instruction::PreferredValidatorType};

async fn epoch_with_rewards(env: &mut Env, twin: &Twin, votes: &[Pubkey]) {
    for vote in votes {
        env.credit_votes(vote, 1_000);
    }
    env.next_epoch().await;
    twin.full_update(env).await;
    twin.assert_same(env).await;
}

#[tokio::test]
async fn increases_and_decreases_match_reference() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let alice = twin.add_user(&mut env, 1_000 * LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, alice, alice, 200 * LAMPORTS_PER_SOL)
        .await;
    let votes = [
        env.create_vote_account(5).await,
        env.create_vote_account(0).await,
    ];
    for vote in &votes {
        twin.add_validator(&mut env, vote).await.unwrap();
    }
    let [a, b] = votes;

    // Increase from the reserve into a fresh transient.
    twin.increase(&mut env, &a, 40 * LAMPORTS_PER_SOL, 0)
        .await
        .unwrap();
    twin.assert_same(&mut env).await;
    // A second plain increase would need a second transient: refused.
    let again = twin.increase(&mut env, &a, 2 * LAMPORTS_PER_SOL, 1).await;
    assert_pool_error(again, StakePoolError::TransientAccountInUse);
    // Adding to the activating transient goes through an ephemeral account.
    twin.increase_additional(&mut env, &a, 5 * LAMPORTS_PER_SOL, 0)
        .await
        .unwrap();
    twin.assert_same(&mut env).await;
    // Below the minimum delegation: the stake program's InsufficientDelegation, as SPL.
    let tiny = twin.increase(&mut env, &b, 999_999, 0).await;
    assert_eq!(
        instruction_error(tiny),
        solana_sdk::instruction::InstructionError::Custom(12)
    );
    // More than the reserve holds.
    let huge = twin.increase(&mut env, &b, 500 * LAMPORTS_PER_SOL, 0).await;
    assert_eq!(
        instruction_error(huge),
        solana_sdk::instruction::InstructionError::InsufficientFunds
    );
    twin.increase(&mut env, &b, 30 * LAMPORTS_PER_SOL, 7)
        .await
        .unwrap();
    twin.assert_same(&mut env).await;

    // Preferred validators: set, refused for strangers, cleared.
    twin.set_preferred(&mut env, PreferredValidatorType::Deposit, Some(a))
        .await
        .unwrap();
    twin.set_preferred(&mut env, PreferredValidatorType::Withdraw, Some(b))
        .await
        .unwrap();
    let stranger = Pubkey::new_unique();
    let refused = twin
        .set_preferred(&mut env, PreferredValidatorType::Deposit, Some(stranger))
        .await;
    assert_pool_error(refused, StakePoolError::ValidatorNotFound);
    twin.assert_same(&mut env).await;

    // The transients activate and merge into the validator stakes.
    epoch_with_rewards(&mut env, &twin, &votes).await;
    epoch_with_rewards(&mut env, &twin, &votes).await;
    let list = spl_validator_list(&mut env, &twin.ours).await;
    assert!(list
        .validators
        .iter()
        .all(|v| u64::from(v.transient_stake_lamports) == 0));

    // Decrease with the reserve paying the transient's rent.
    twin.decrease(&mut env, &a, 10 * LAMPORTS_PER_SOL, 3)
        .await
        .unwrap();
    twin.assert_same(&mut env).await;
    // The transient is deactivating: it must not be re-activated by an additional increase.
    let reactivate = twin
        .increase_additional(&mut env, &a, 2 * LAMPORTS_PER_SOL, 1)
        .await;
    assert_pool_error(reactivate, StakePoolError::WrongStakeStake);
    // A second plain decrease is refused. An additional one would merge two accounts that
    // are deactivating active stake, which the stake program refuses (MergeTransientStake)
    // for both programs alike.
    let again = twin.decrease(&mut env, &a, 2 * LAMPORTS_PER_SOL, 4).await;
    assert_pool_error(again, StakePoolError::TransientAccountInUse);
    let merged = twin
        .decrease_additional(&mut env, &a, 3 * LAMPORTS_PER_SOL, 9)
        .await;
    assert_eq!(
        instruction_error(merged),
        solana_sdk::instruction::InstructionError::Custom(5)
    );
    // Without a transient, the additional decrease creates it from the ephemeral account.
    twin.decrease_additional(&mut env, &b, 3 * LAMPORTS_PER_SOL, 9)
        .await
        .unwrap();
    twin.assert_same(&mut env).await;
    // Leaving less than the minimum in the validator stake is refused.
    let votes_c = env.create_vote_account(1).await;
    twin.add_validator(&mut env, &votes_c).await.unwrap();
    let drain = twin
        .decrease(&mut env, &votes_c, 2 * LAMPORTS_PER_SOL, 0)
        .await;
    assert_eq!(
        instruction_error(drain),
        solana_sdk::instruction::InstructionError::InsufficientFunds
    );
    // Below the minimum delegation.
    let tiny = twin.decrease(&mut env, &votes_c, 999_999, 0).await;
    assert_eq!(
        instruction_error(tiny),
        solana_sdk::instruction::InstructionError::AccountNotRentExempt
    );

    // The deactivated transient returns to the reserve.
    epoch_with_rewards(&mut env, &twin, &votes).await;
    epoch_with_rewards(&mut env, &twin, &votes).await;

    // Removing the preferred deposit validator clears the preference on both.
    twin.remove_validator(&mut env, &a).await.unwrap();
    twin.assert_same(&mut env).await;
    let state = spl_pool_state(&mut env, &twin.ours).await;
    assert_eq!(state.preferred_deposit_validator_vote_address, None);
    assert_eq!(state.preferred_withdraw_validator_vote_address, Some(b));
    // A validator on its way out takes no more stake.
    let refused = twin.increase(&mut env, &a, 2 * LAMPORTS_PER_SOL, 5).await;
    assert_pool_error(refused, StakePoolError::ValidatorNotFound);
    let refused = twin
        .set_preferred(&mut env, PreferredValidatorType::Withdraw, Some(a))
        .await;
    assert_pool_error(refused, StakePoolError::InvalidPreferredValidator);
    twin.set_preferred(&mut env, PreferredValidatorType::Withdraw, None)
        .await
        .unwrap();
    twin.assert_same(&mut env).await;

    epoch_with_rewards(&mut env, &twin, &votes).await;
    epoch_with_rewards(&mut env, &twin, &votes).await;
    let tokens = env.token_balance(&twin.users[alice].ours).await;
    twin.withdraw_sol(&mut env, alice, tokens / 10).await;
    twin.assert_same(&mut env).await;
}

/// The deprecated `DecreaseValidatorStake` (no reserve account) is still served, and an
/// increase immediately followed by a decrease on the same transient is refused as direction
/// confusion.
#[tokio::test]
async fn legacy_decrease_and_direction_confusion_match_reference() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let alice = twin.add_user(&mut env, 1_000 * LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, alice, alice, 100 * LAMPORTS_PER_SOL)
        .await;
    let vote = env.create_vote_account(3).await;
    twin.add_validator(&mut env, &vote).await.unwrap();
    twin.increase(&mut env, &vote, 50 * LAMPORTS_PER_SOL, 0)
        .await
        .unwrap();
    epoch_with_rewards(&mut env, &twin, &[vote]).await;
    epoch_with_rewards(&mut env, &twin, &[vote]).await;

    let outcome = twin
        .as_staker(&mut env, |pool, state, _| {
            let (validator_stake, _) = spl_stake_pool::find_stake_program_address(
                &pool.program_id,
                &vote,
                &pool.stake_pool.pubkey(),
                None,
            );
            let (transient_stake, _) = spl_stake_pool::find_transient_stake_program_address(
                &pool.program_id,
                &vote,
                &pool.stake_pool.pubkey(),
                11,
            );
            #[allow(deprecated)]
            spl_stake_pool::instruction::decrease_validator_stake(
                &pool.program_id,
                &pool.stake_pool.pubkey(),
                &state.staker,
                &spl_stake_pool::find_withdraw_authority_program_address(
                    &pool.program_id,
                    &pool.stake_pool.pubkey(),
                )
                .0,
                &state.validator_list,
                &validator_stake,
                &transient_stake,
                20 * LAMPORTS_PER_SOL,
                11,
            )
        })
        .await;
    // Today's stake program only splits active stake into a destination that already holds
    // its rent, which this variant cannot provide: both programs fail in the stake program,
    // and nothing changes.
    assert_eq!(
        instruction_error(outcome),
        solana_sdk::instruction::InstructionError::InsufficientFunds
    );
    twin.assert_same(&mut env).await;

    // Increase, then try to decrease the activating transient: refused the same way.
    twin.increase(&mut env, &vote, 5 * LAMPORTS_PER_SOL, 2)
        .await
        .unwrap();
    let confused = twin
        .decrease_additional(&mut env, &vote, 2 * LAMPORTS_PER_SOL, 0)
        .await;
    assert_pool_error(confused, StakePoolError::WrongStakeStake);
    twin.assert_same(&mut env).await;
    epoch_with_rewards(&mut env, &twin, &[vote]).await;
}

/// Where we deliberately do better: after a decrease, the reference's crank (run again in the
/// same epoch) tries to merge the deactivating transient into the validator stake; the stake
/// program refuses and the reference cannot update that validator until the next epoch. Ours
/// leaves the transient for the reserve and completes, recording the same balances.
#[tokio::test]
async fn crank_after_decrease_in_same_epoch_completes_here() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let alice = twin.add_user(&mut env, 1_000 * LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, alice, alice, 100 * LAMPORTS_PER_SOL)
        .await;
    let vote = env.create_vote_account(3).await;
    twin.add_validator(&mut env, &vote).await.unwrap();
    twin.increase(&mut env, &vote, 50 * LAMPORTS_PER_SOL, 0)
        .await
        .unwrap();
    epoch_with_rewards(&mut env, &twin, &[vote]).await;
    twin.decrease(&mut env, &vote, 20 * LAMPORTS_PER_SOL, 1)
        .await
        .unwrap();
    let ours = full_update_instructions(&mut env, &twin.ours).await;
    let reference = full_update_instructions(&mut env, &twin.reference).await;
    env.send(&ours[0], &[]).await.unwrap();
    let refused = env.send(&reference[0], &[]).await;
    assert_eq!(
        instruction_error(refused),
        solana_sdk::instruction::InstructionError::Custom(5),
        "the reference's crank fails in the stake program's Merge"
    );
    twin.assert_same(&mut env).await;
    // Next epoch the transient is inactive and both merge it into the reserve.
    epoch_with_rewards(&mut env, &twin, &[vote]).await;
}
