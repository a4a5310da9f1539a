//! Bad input to the validator instructions, run on both programs: each case must fail with
//! the reference's exact error and leave every pool account unchanged.

use p_stake_pool_tests::{
    twin::{Side, Twin},
    *,
};
use solana_sdk::{
    instruction::{AccountMeta, Instruction, InstructionError},
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};
use spl_stake_pool::error::StakePoolError as E;

fn custom(error: E) -> InstructionError {
    InstructionError::Custom(error as u32)
}

/// Runs `build` on both sides, asserting `expected` and that nothing changed.
async fn refused(
    env: &mut Env,
    twin: &Twin,
    expected: InstructionError,
    build: impl Fn(&Pool, Side) -> (Vec<Instruction>, Vec<Keypair>),
) {
    let mut watched = Vec::new();
    for side in [Side::Ours, Side::Reference] {
        watched.extend(twin.pool(side).state_addresses());
    }
    let before = env.snapshot(&watched).await;
    let result = twin.run_signed(env, build).await;
    assert_eq!(instruction_error(result), expected);
    assert_eq!(
        env.snapshot(&watched).await,
        before,
        "a refused call changed state"
    );
}

fn add_validator(
    pool: &Pool,
    state: &spl_stake_pool::state::StakePool,
    vote: &Pubkey,
) -> Instruction {
    spl_stake_pool::instruction::add_validator_to_pool_with_vote(
        &pool.program_id,
        state,
        &pool.stake_pool.pubkey(),
        vote,
        None,
    )
}

#[tokio::test]
async fn add_and_remove_validator_bad_input() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let twin = Twin::create(&mut env, &config).await;
    let vote = env.create_vote_account(5).await;
    let states = [
        spl_pool_state(&mut env, &twin.ours).await,
        spl_pool_state(&mut env, &twin.reference).await,
    ];
    let intruder = env.funded_keypair(LAMPORTS_PER_SOL).await;

    // Someone other than the staker.
    refused(&mut env, &twin, custom(E::WrongStaker), |pool, side| {
        let mut ix = add_validator(pool, &states[side as usize], &vote);
        ix.accounts[1] = AccountMeta::new_readonly(intruder.pubkey(), true);
        (vec![ix], vec![intruder.insecure_clone()])
    })
    .await;
    // The staker's key without its signature.
    refused(
        &mut env,
        &twin,
        custom(E::SignatureMissing),
        |pool, side| {
            let mut ix = add_validator(pool, &states[side as usize], &vote);
            ix.accounts[1].is_signer = false;
            (vec![ix], vec![])
        },
    )
    .await;
    // A stake account that is not the validator's PDA.
    refused(
        &mut env,
        &twin,
        custom(E::InvalidStakeAccountAddress),
        |pool, side| {
            let mut ix = add_validator(pool, &states[side as usize], &vote);
            ix.accounts[5] = AccountMeta::new(Keypair::new().pubkey(), false);
            (vec![ix], vec![pool.staker.insecure_clone()])
        },
    )
    .await;
    // A spoofed withdraw authority.
    refused(
        &mut env,
        &twin,
        custom(E::InvalidProgramAddress),
        |pool, side| {
            let mut ix = add_validator(pool, &states[side as usize], &vote);
            ix.accounts[3] = AccountMeta::new_readonly(Keypair::new().pubkey(), false);
            (vec![ix], vec![pool.staker.insecure_clone()])
        },
    )
    .await;
    // Another validator list.
    refused(
        &mut env,
        &twin,
        custom(E::InvalidValidatorStakeList),
        |pool, side| {
            let mut ix = add_validator(pool, &states[side as usize], &vote);
            let other = if side == Side::Ours {
                twin.reference.validator_list.pubkey()
            } else {
                twin.ours.validator_list.pubkey()
            };
            ix.accounts[4] = AccountMeta::new(other, false);
            (vec![ix], vec![pool.staker.insecure_clone()])
        },
    )
    .await;
    // Wrong system and stake program ids.
    for index in [11, 12] {
        refused(
            &mut env,
            &twin,
            InstructionError::IncorrectProgramId,
            |pool, side| {
                let mut ix = add_validator(pool, &states[side as usize], &vote);
                ix.accounts[index] = AccountMeta::new_readonly(spl_token_interface::id(), false);
                (vec![ix], vec![pool.staker.insecure_clone()])
            },
        )
        .await;
    }

    // A validator that is not in the pool cannot be removed.
    twin.add_validator(&mut env, &vote).await.unwrap();
    let other_vote = env.create_vote_account(5).await;
    let stake = Keypair::new();
    env.create_delegated_stake(&stake, &other_vote, 2 * LAMPORTS_PER_SOL)
        .await;
    let states = [
        spl_pool_state(&mut env, &twin.ours).await,
        spl_pool_state(&mut env, &twin.reference).await,
    ];
    refused(
        &mut env,
        &twin,
        custom(E::ValidatorNotFound),
        |pool, side| {
            let mut ix = spl_stake_pool::instruction::remove_validator_from_pool_with_vote(
                &pool.program_id,
                &states[side as usize],
                &pool.stake_pool.pubkey(),
                &vote,
                None,
                0,
            );
            ix.accounts[4] = AccountMeta::new(stake.pubkey(), false);
            (vec![ix], vec![pool.staker.insecure_clone()])
        },
    )
    .await;
    // Removal by someone other than the staker.
    refused(&mut env, &twin, custom(E::WrongStaker), |pool, side| {
        let mut ix = spl_stake_pool::instruction::remove_validator_from_pool_with_vote(
            &pool.program_id,
            &states[side as usize],
            &pool.stake_pool.pubkey(),
            &vote,
            None,
            0,
        );
        ix.accounts[1] = AccountMeta::new_readonly(intruder.pubkey(), true);
        (vec![ix], vec![intruder.insecure_clone()])
    })
    .await;

    // A stale pool refuses both.
    env.next_epoch().await;
    let fresh_vote = env.create_vote_account(1).await;
    refused(
        &mut env,
        &twin,
        custom(E::StakeListAndPoolOutOfDate),
        |pool, side| {
            let ix = add_validator(pool, &states[side as usize], &fresh_vote);
            (vec![ix], vec![pool.staker.insecure_clone()])
        },
    )
    .await;
}

/// Spoofed pairs handed to the crank are skipped, never counted: the entry stays stale and
/// the pool balance update refuses to run until the real accounts are passed.
#[tokio::test]
async fn spoofed_pairs_in_update_are_ignored() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let twin = Twin::create(&mut env, &config).await;
    let vote = env.create_vote_account(5).await;
    twin.add_validator(&mut env, &vote).await.unwrap();
    // A fat stake account delegated to the same validator, but not the pool's.
    let fake = Keypair::new();
    env.create_delegated_stake(&fake, &vote, 50 * LAMPORTS_PER_SOL)
        .await;
    env.next_epoch().await;

    // The lists hold the same entry on both sides (same vote account, same seeds).
    let list = spl_validator_list(&mut env, &twin.ours).await;
    let result = twin
        .run(&mut env, &[], |pool, _| {
            let mut list_update = spl_stake_pool::instruction::update_validator_list_balance_chunk(
                &pool.program_id,
                &pool.stake_pool.pubkey(),
                &pool.withdraw_authority,
                &pool.validator_list.pubkey(),
                &pool.reserve_stake,
                &list,
                1,
                0,
                false,
            )
            .unwrap();
            list_update.accounts[7] = AccountMeta::new(fake.pubkey(), false);
            vec![list_update]
        })
        .await;
    result.unwrap();
    twin.assert_same(&mut env).await;
    let list = spl_validator_list(&mut env, &twin.ours).await;
    assert!(u64::from(list.validators[0].last_update_epoch) < env.epoch().await);
    // The balance update sees a stale entry and refuses on both.
    let result = twin
        .run(&mut env, &[], |pool, _| {
            vec![spl_stake_pool::instruction::update_stake_pool_balance(
                &pool.program_id,
                &pool.stake_pool.pubkey(),
                &pool.withdraw_authority,
                &pool.validator_list.pubkey(),
                &pool.reserve_stake,
                &pool.manager_fee_account,
                &pool.pool_mint.pubkey(),
                &pool.token_program,
            )]
        })
        .await;
    assert_pool_error(result, E::StakeListOutOfDate);
    // The honest crank then counts only the pool's own stake.
    twin.full_update(&mut env).await;
    twin.assert_same(&mut env).await;
    let state = spl_pool_state(&mut env, &twin.ours).await;
    assert!(state.total_lamports < 20 * LAMPORTS_PER_SOL);
}
