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
    twin.refuses(env, &[], expected, build).await
}

/// Like `refused`, also watching `extra` accounts (validator and transient stakes).
async fn refused_watching(
    env: &mut Env,
    twin: &Twin,
    extra: &[Pubkey],
    expected: InstructionError,
    build: impl Fn(&Pool, Side) -> (Vec<Instruction>, Vec<Keypair>),
) {
    twin.refuses(env, extra, expected, build).await
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

/// Every stake account of `vote` on both sides that a rebalance could touch.
fn stake_accounts(twin: &Twin, vote: &Pubkey, seeds: &[u64]) -> Vec<Pubkey> {
    let mut accounts = Vec::new();
    for side in [Side::Ours, Side::Reference] {
        let pool = twin.pool(side);
        let address = pool.stake_pool.pubkey();
        accounts.push(
            spl_stake_pool::find_stake_program_address(&pool.program_id, vote, &address, None).0,
        );
        for seed in seeds {
            accounts.push(
                spl_stake_pool::find_transient_stake_program_address(
                    &pool.program_id,
                    vote,
                    &address,
                    *seed,
                )
                .0,
            );
            accounts.push(
                spl_stake_pool::find_ephemeral_stake_program_address(
                    &pool.program_id,
                    &address,
                    *seed,
                )
                .0,
            );
        }
    }
    accounts
}

#[tokio::test]
async fn increase_decrease_and_preferred_bad_input() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let user = twin.add_user(&mut env, 200 * LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, user, user, 100 * LAMPORTS_PER_SOL)
        .await;
    let vote = env.create_vote_account(5).await;
    twin.add_validator(&mut env, &vote).await.unwrap();
    twin.increase(&mut env, &vote, 20 * LAMPORTS_PER_SOL, 0)
        .await
        .unwrap();
    env.next_epoch().await;
    twin.full_update(&mut env).await;
    env.next_epoch().await;
    twin.full_update(&mut env).await;
    let outsider_vote = env.create_vote_account(5).await;
    let foreign_stake = Keypair::new();
    env.create_delegated_stake(&foreign_stake, &outsider_vote, 3 * LAMPORTS_PER_SOL)
        .await;
    let intruder = env.funded_keypair(LAMPORTS_PER_SOL).await;
    let second = Twin::create(&mut env, &config).await;
    let states = [
        spl_pool_state(&mut env, &twin.ours).await,
        spl_pool_state(&mut env, &twin.reference).await,
    ];
    let watched = stake_accounts(&twin, &vote, &[0, 1]);
    let other = |side: Side| {
        twin.pool(if side == Side::Ours {
            Side::Reference
        } else {
            Side::Ours
        })
    };

    let increase = |pool: &Pool, side: Side, lamports: u64| {
        spl_stake_pool::instruction::increase_validator_stake_with_vote(
            &pool.program_id,
            &states[side as usize],
            &pool.stake_pool.pubkey(),
            &vote,
            lamports,
            None,
            1,
        )
    };
    let decrease = |pool: &Pool, side: Side, lamports: u64| {
        spl_stake_pool::instruction::decrease_validator_stake_with_vote(
            &pool.program_id,
            &states[side as usize],
            &pool.stake_pool.pubkey(),
            &vote,
            lamports,
            None,
            1,
        )
    };
    let staker = |pool: &Pool| vec![pool.staker.insecure_clone()];

    /// One account replaced: `replacement(pool, other pool, intruder, foreign stake)`.
    struct Case {
        index: usize,
        replacement: fn(&Pool, &Pool, &Keypair, &Keypair) -> AccountMeta,
        expected: InstructionError,
    }

    // IncreaseValidatorStake: 0 pool, 1 staker, 2 withdraw authority, 3 list, 4 reserve,
    // 5 transient, 6 validator stake, 7 vote, 8 clock, 9 rent, 10 history, 11 config,
    // 12 system, 13 stake program.
    let increase_cases: Vec<Case> = vec![
        Case {
            index: 2,
            replacement: |_, _, _, _| AccountMeta::new_readonly(Pubkey::new_unique(), false),
            expected: custom(E::InvalidProgramAddress),
        },
        Case {
            index: 3,
            replacement: |_, other, _, _| AccountMeta::new(other.validator_list.pubkey(), false),
            expected: custom(E::InvalidValidatorStakeList),
        },
        Case {
            index: 4,
            replacement: |_, other, _, _| AccountMeta::new(other.reserve_stake, false),
            expected: custom(E::InvalidProgramAddress),
        },
        Case {
            index: 5,
            replacement: |_, _, _, _| AccountMeta::new(Pubkey::new_unique(), false),
            expected: custom(E::InvalidStakeAccountAddress),
        },
        Case {
            // Duplicate: the reserve passed again as the transient.
            index: 5,
            replacement: |pool, _, _, _| AccountMeta::new(pool.reserve_stake, false),
            expected: custom(E::InvalidStakeAccountAddress),
        },
        Case {
            index: 6,
            replacement: |_, _, _, foreign| AccountMeta::new(foreign.pubkey(), false),
            expected: custom(E::InvalidStakeAccountAddress),
        },
        Case {
            index: 7,
            replacement: |_, _, _, _| AccountMeta::new_readonly(Pubkey::new_unique(), false),
            expected: custom(E::ValidatorNotFound),
        },
        Case {
            index: 8,
            replacement: |_, _, _, _| {
                AccountMeta::new_readonly(solana_sdk::sysvar::rent::id(), false)
            },
            expected: InstructionError::InvalidArgument,
        },
        Case {
            index: 9,
            replacement: |_, _, _, _| {
                AccountMeta::new_readonly(solana_sdk::sysvar::clock::id(), false)
            },
            expected: InstructionError::InvalidArgument,
        },
        Case {
            index: 12,
            replacement: |_, _, _, _| AccountMeta::new_readonly(spl_token_interface::id(), false),
            expected: InstructionError::IncorrectProgramId,
        },
        Case {
            index: 13,
            replacement: |_, _, _, _| AccountMeta::new_readonly(spl_token_interface::id(), false),
            expected: InstructionError::IncorrectProgramId,
        },
    ];
    for case in &increase_cases {
        refused_watching(
            &mut env,
            &twin,
            &watched,
            case.expected.clone(),
            |pool, side| {
                let mut ix = increase(pool, side, 2 * LAMPORTS_PER_SOL);
                ix.accounts[case.index] =
                    (case.replacement)(pool, other(side), &intruder, &foreign_stake);
                (vec![ix], staker(pool))
            },
        )
        .await;
    }
    // Someone other than the staker, and the staker without a signature.
    refused_watching(
        &mut env,
        &twin,
        &watched,
        custom(E::WrongStaker),
        |pool, side| {
            let mut ix = increase(pool, side, 2 * LAMPORTS_PER_SOL);
            ix.accounts[1] = AccountMeta::new_readonly(intruder.pubkey(), true);
            (vec![ix], vec![intruder.insecure_clone()])
        },
    )
    .await;
    refused_watching(
        &mut env,
        &twin,
        &watched,
        custom(E::SignatureMissing),
        |pool, side| {
            let mut ix = increase(pool, side, 2 * LAMPORTS_PER_SOL);
            ix.accounts[1].is_signer = false;
            (vec![ix], vec![])
        },
    )
    .await;
    // Zero, and an amount whose total with rent overflows.
    refused_watching(
        &mut env,
        &twin,
        &watched,
        InstructionError::Custom(12),
        |pool, side| (vec![increase(pool, side, 0)], staker(pool)),
    )
    .await;
    refused_watching(
        &mut env,
        &twin,
        &watched,
        InstructionError::InsufficientFunds,
        |pool, side| (vec![increase(pool, side, u64::MAX)], staker(pool)),
    )
    .await;

    // DecreaseValidatorStakeWithReserve: 0 pool, 1 staker, 2 withdraw authority, 3 list,
    // 4 reserve, 5 validator stake, 6 transient, 7 clock, 8 history, 9 system, 10 stake.
    let decrease_cases: Vec<Case> = vec![
        Case {
            index: 2,
            replacement: |_, _, _, _| AccountMeta::new_readonly(Pubkey::new_unique(), false),
            expected: custom(E::InvalidProgramAddress),
        },
        Case {
            index: 4,
            replacement: |_, other, _, _| AccountMeta::new(other.reserve_stake, false),
            expected: custom(E::InvalidProgramAddress),
        },
        Case {
            // A stake delegated to a validator the pool does not have.
            index: 5,
            replacement: |_, _, _, foreign| AccountMeta::new(foreign.pubkey(), false),
            expected: custom(E::ValidatorNotFound),
        },
        Case {
            // Duplicate: the reserve (not delegated) passed as the validator stake.
            index: 5,
            replacement: |pool, _, _, _| AccountMeta::new(pool.reserve_stake, false),
            expected: custom(E::WrongStakeStake),
        },
        Case {
            index: 6,
            replacement: |_, _, _, _| AccountMeta::new(Pubkey::new_unique(), false),
            expected: custom(E::InvalidStakeAccountAddress),
        },
        Case {
            index: 10,
            replacement: |_, _, _, _| AccountMeta::new_readonly(spl_token_interface::id(), false),
            expected: InstructionError::IncorrectProgramId,
        },
    ];
    for case in &decrease_cases {
        refused_watching(
            &mut env,
            &twin,
            &watched,
            case.expected.clone(),
            |pool, side| {
                let mut ix = decrease(pool, side, 2 * LAMPORTS_PER_SOL);
                ix.accounts[case.index] =
                    (case.replacement)(pool, other(side), &intruder, &foreign_stake);
                (vec![ix], staker(pool))
            },
        )
        .await;
    }
    refused_watching(
        &mut env,
        &twin,
        &watched,
        custom(E::WrongStaker),
        |pool, side| {
            let mut ix = decrease(pool, side, 2 * LAMPORTS_PER_SOL);
            ix.accounts[1] = AccountMeta::new_readonly(intruder.pubkey(), true);
            (vec![ix], vec![intruder.insecure_clone()])
        },
    )
    .await;
    refused_watching(
        &mut env,
        &twin,
        &watched,
        InstructionError::AccountNotRentExempt,
        |pool, side| (vec![decrease(pool, side, 0)], staker(pool)),
    )
    .await;
    refused_watching(
        &mut env,
        &twin,
        &watched,
        InstructionError::InsufficientFunds,
        |pool, side| (vec![decrease(pool, side, u64::MAX)], staker(pool)),
    )
    .await;

    // SetPreferredValidator: 0 pool, 1 staker, 2 list.
    let prefer = |pool: &Pool| {
        spl_stake_pool::instruction::set_preferred_validator(
            &pool.program_id,
            &pool.stake_pool.pubkey(),
            &pool.staker.pubkey(),
            &pool.validator_list.pubkey(),
            spl_stake_pool::instruction::PreferredValidatorType::Deposit,
            Some(vote),
        )
    };
    refused(&mut env, &twin, custom(E::WrongStaker), |pool, _| {
        let mut ix = prefer(pool);
        ix.accounts[1] = AccountMeta::new_readonly(intruder.pubkey(), true);
        (vec![ix], vec![intruder.insecure_clone()])
    })
    .await;
    refused(&mut env, &twin, custom(E::SignatureMissing), |pool, _| {
        let mut ix = prefer(pool);
        ix.accounts[1].is_signer = false;
        (vec![ix], vec![])
    })
    .await;
    refused(
        &mut env,
        &twin,
        custom(E::InvalidValidatorStakeList),
        |pool, side| {
            // Another pool's list, owned by the same program.
            let mut ix = prefer(pool);
            ix.accounts[2] =
                AccountMeta::new_readonly(second.pool(side).validator_list.pubkey(), false);
            (vec![ix], staker(pool))
        },
    )
    .await;
    refused(
        &mut env,
        &twin,
        InstructionError::IncorrectProgramId,
        |pool, _| {
            let mut ix = prefer(pool);
            ix.accounts[2] = AccountMeta::new_readonly(pool.reserve_stake, false);
            (vec![ix], staker(pool))
        },
    )
    .await;
    // A validator type that is neither deposit nor withdraw.
    refused(
        &mut env,
        &twin,
        InstructionError::BorshIoError,
        |pool, _| {
            let mut ix = prefer(pool);
            ix.data[1] = 2;
            (vec![ix], staker(pool))
        },
    )
    .await;

    // The additional variants: an ephemeral account that is not the PDA of its seed.
    refused_watching(
        &mut env,
        &twin,
        &watched,
        custom(E::InvalidStakeAccountAddress),
        |pool, side| {
            let mut ix = spl_stake_pool::instruction::increase_additional_validator_stake_with_vote(
                &pool.program_id,
                &states[side as usize],
                &pool.stake_pool.pubkey(),
                &vote,
                2 * LAMPORTS_PER_SOL,
                None,
                1,
                0,
            );
            ix.accounts[5] = AccountMeta::new(Pubkey::new_unique(), false);
            (vec![ix], staker(pool))
        },
    )
    .await;
    refused_watching(
        &mut env,
        &twin,
        &watched,
        custom(E::InvalidStakeAccountAddress),
        |pool, side| {
            let mut ix = spl_stake_pool::instruction::decrease_additional_validator_stake_with_vote(
                &pool.program_id,
                &states[side as usize],
                &pool.stake_pool.pubkey(),
                &vote,
                2 * LAMPORTS_PER_SOL,
                None,
                1,
                0,
            );
            ix.accounts[6] = AccountMeta::new(Pubkey::new_unique(), false);
            (vec![ix], staker(pool))
        },
    )
    .await;
    // The deprecated decrease names the rent sysvar: a different sysvar is refused.
    refused_watching(
        &mut env,
        &twin,
        &watched,
        InstructionError::InvalidArgument,
        |pool, _| {
            let (validator_stake, _) = spl_stake_pool::find_stake_program_address(
                &pool.program_id,
                &vote,
                &pool.stake_pool.pubkey(),
                None,
            );
            #[allow(deprecated)]
            let mut ix = spl_stake_pool::instruction::decrease_validator_stake(
                &pool.program_id,
                &pool.stake_pool.pubkey(),
                &pool.staker.pubkey(),
                &pool.withdraw_authority,
                &pool.validator_list.pubkey(),
                &validator_stake,
                &spl_stake_pool::find_transient_stake_program_address(
                    &pool.program_id,
                    &vote,
                    &pool.stake_pool.pubkey(),
                    1,
                )
                .0,
                2 * LAMPORTS_PER_SOL,
                1,
            );
            ix.accounts[7] = AccountMeta::new_readonly(solana_sdk::sysvar::clock::id(), false);
            (vec![ix], staker(pool))
        },
    )
    .await;
    // With a transient in flight, the additional variant must name its seed.
    twin.increase(&mut env, &vote, 2 * LAMPORTS_PER_SOL, 1)
        .await
        .unwrap();
    let states = [
        spl_pool_state(&mut env, &twin.ours).await,
        spl_pool_state(&mut env, &twin.reference).await,
    ];
    refused_watching(
        &mut env,
        &twin,
        &watched,
        InstructionError::InvalidSeeds,
        |pool, side| {
            let ix = spl_stake_pool::instruction::increase_additional_validator_stake_with_vote(
                &pool.program_id,
                &states[side as usize],
                &pool.stake_pool.pubkey(),
                &vote,
                2 * LAMPORTS_PER_SOL,
                None,
                2,
                0,
            );
            (vec![ix], staker(pool))
        },
    )
    .await;

    // A stale pool refuses increases and decreases.
    env.next_epoch().await;
    refused_watching(
        &mut env,
        &twin,
        &watched,
        custom(E::StakeListAndPoolOutOfDate),
        |pool, side| {
            (
                vec![increase(pool, side, 2 * LAMPORTS_PER_SOL)],
                staker(pool),
            )
        },
    )
    .await;
    refused_watching(
        &mut env,
        &twin,
        &watched,
        custom(E::StakeListAndPoolOutOfDate),
        |pool, side| {
            (
                vec![decrease(pool, side, 2 * LAMPORTS_PER_SOL)],
                staker(pool),
            )
        },
    )
    .await;
}
