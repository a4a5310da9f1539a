//! Bad input to DepositStake and WithdrawStake, run on both programs: each case must fail with
//! the reference's exact error and leave every pool account, the stake accounts involved and
//! the user's token accounts unchanged.

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

/// Keys a replacement may use: this side's pool, the other side's pool, a stake account
/// delegated to a validator outside the pool, and the user's own stake (delegated to the
/// pool's validator but not the pool's).
struct Keys<'a> {
    pool: &'a Pool,
    other: &'a Pool,
    outsider_stake: Pubkey,
    user_stake: Pubkey,
}

/// One account of the instruction replaced, and the error both programs must return.
struct Case {
    name: &'static str,
    index: usize,
    replacement: fn(&Keys) -> AccountMeta,
    expected: InstructionError,
}

fn readonly(key: Pubkey) -> AccountMeta {
    AccountMeta::new_readonly(key, false)
}

fn writable(key: Pubkey) -> AccountMeta {
    AccountMeta::new(key, false)
}

#[tokio::test]
async fn deposit_and_withdraw_stake_bad_input() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let user = twin.add_user(&mut env, 500 * LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, user, user, 100 * LAMPORTS_PER_SOL)
        .await;
    let vote = env.create_vote_account(5).await;
    twin.add_validator(&mut env, &vote).await.unwrap();
    twin.increase(&mut env, &vote, 30 * LAMPORTS_PER_SOL, 0)
        .await
        .unwrap();
    let user_stakes = twin
        .create_user_stakes(&mut env, &vote, 5 * LAMPORTS_PER_SOL)
        .await;
    let outsider_vote = env.create_vote_account(5).await;
    let outsider = Keypair::new();
    env.create_delegated_stake(&outsider, &outsider_vote, 3 * LAMPORTS_PER_SOL)
        .await;
    for _ in 0..2 {
        env.next_epoch().await;
        twin.full_update(&mut env).await;
    }
    let payer = env.payer();
    let mut watched = vec![user_stakes[0], user_stakes[1], outsider.pubkey()];
    for side in [Side::Ours, Side::Reference] {
        let pool = twin.pool(side);
        watched.push(
            spl_stake_pool::find_stake_program_address(
                &pool.program_id,
                &vote,
                &pool.stake_pool.pubkey(),
                None,
            )
            .0,
        );
        watched.push(twin.users[user].account(side));
    }
    let keys = |side: Side| Keys {
        pool: twin.pool(side),
        other: twin.pool(match side {
            Side::Ours => Side::Reference,
            Side::Reference => Side::Ours,
        }),
        outsider_stake: outsider.pubkey(),
        user_stake: user_stakes[side as usize],
    };
    let validator_stake = |pool: &Pool| {
        spl_stake_pool::find_stake_program_address(
            &pool.program_id,
            &vote,
            &pool.stake_pool.pubkey(),
            None,
        )
        .0
    };
    let user_account = |side: Side| twin.users[user].account(side);

    // DepositStake: 0 pool, 1 list, 2 deposit authority, 3 withdraw authority, 4 user stake,
    // 5 validator stake, 6 reserve, 7 user tokens, 8 manager fee, 9 referrer, 10 mint,
    // 11 clock, 12 stake history, 13 token program, 14 stake program. The reference client
    // sends two Authorize instructions first; the deposit is the last instruction.
    let deposit = |side: Side| -> Vec<Instruction> {
        let pool = twin.pool(side);
        spl_stake_pool::instruction::deposit_stake(
            &pool.program_id,
            &pool.stake_pool.pubkey(),
            &pool.validator_list.pubkey(),
            &pool.withdraw_authority,
            &user_stakes[side as usize],
            &payer.pubkey(),
            &validator_stake(pool),
            &pool.reserve_stake,
            &user_account(side),
            &pool.manager_fee_account,
            &user_account(side),
            &pool.pool_mint.pubkey(),
            &pool.token_program,
        )
    };
    let deposit_cases = [
        Case {
            name: "pool not owned by the program",
            index: 0,
            replacement: |k| writable(k.pool.manager_fee_account),
            expected: InstructionError::IncorrectProgramId,
        },
        Case {
            name: "another list",
            index: 1,
            replacement: |k| writable(k.other.validator_list.pubkey()),
            expected: custom(E::InvalidValidatorStakeList),
        },
        Case {
            name: "wrong deposit authority",
            index: 2,
            replacement: |_| readonly(Pubkey::new_unique()),
            expected: custom(E::InvalidStakeDepositAuthority),
        },
        Case {
            name: "spoofed withdraw authority",
            index: 3,
            replacement: |_| readonly(Pubkey::new_unique()),
            expected: custom(E::InvalidProgramAddress),
        },
        Case {
            name: "stake delegated outside the pool as the validator stake",
            index: 5,
            replacement: |k| writable(k.outsider_stake),
            expected: custom(E::ValidatorNotFound),
        },
        Case {
            name: "duplicate: the user's stake as the validator stake",
            index: 5,
            replacement: |k| writable(k.user_stake),
            expected: custom(E::InvalidStakeAccountAddress),
        },
        Case {
            name: "the reserve as the validator stake",
            index: 5,
            replacement: |k| writable(k.pool.reserve_stake),
            expected: custom(E::WrongStakeStake),
        },
        Case {
            name: "wrong reserve",
            index: 6,
            replacement: |k| writable(k.other.reserve_stake),
            expected: custom(E::InvalidProgramAddress),
        },
        Case {
            name: "wrong fee account",
            index: 8,
            replacement: |k| writable(k.other.manager_fee_account),
            expected: custom(E::InvalidFeeAccount),
        },
        Case {
            name: "wrong mint",
            index: 10,
            replacement: |k| writable(k.other.pool_mint.pubkey()),
            expected: custom(E::WrongPoolMint),
        },
        Case {
            name: "fake clock",
            index: 11,
            replacement: |_| readonly(solana_sdk::sysvar::rent::id()),
            expected: InstructionError::InvalidArgument,
        },
        Case {
            name: "wrong token program",
            index: 13,
            replacement: |_| readonly(spl_token_2022_interface::id()),
            expected: InstructionError::IncorrectProgramId,
        },
        Case {
            name: "wrong stake program",
            index: 14,
            replacement: |_| readonly(spl_token_interface::id()),
            expected: InstructionError::IncorrectProgramId,
        },
    ];
    for case in &deposit_cases {
        println!("DepositStake: {}", case.name);
        twin.refuses(&mut env, &watched, case.expected.clone(), |_, side| {
            let mut ixs = deposit(side);
            let last = ixs.len() - 1;
            ixs[last].accounts[case.index] = (case.replacement)(&keys(side));
            (ixs, vec![])
        })
        .await;
    }

    // WithdrawStake: 0 pool, 1 list, 2 withdraw authority, 3 split from, 4 split to, 5 user
    // stake authority, 6 user transfer authority, 7 burn from, 8 manager fee, 9 mint, 10 clock,
    // 11 token program, 12 stake program.
    let receiver = Keypair::new();
    env.create_owned_account(
        &receiver,
        STAKE_ACCOUNT_LEN,
        &solana_stake_interface::program::id(),
    )
    .await;
    watched.push(receiver.pubkey());
    let user_key = twin.users[user].keypair.insecure_clone();
    let withdraw = |side: Side, pool_tokens: u64| -> Instruction {
        let pool = twin.pool(side);
        spl_stake_pool::instruction::withdraw_stake(
            &pool.program_id,
            &pool.stake_pool.pubkey(),
            &pool.validator_list.pubkey(),
            &pool.withdraw_authority,
            &validator_stake(pool),
            &receiver.pubkey(),
            &user_key.pubkey(),
            &user_key.pubkey(),
            &user_account(side),
            &pool.manager_fee_account,
            &pool.pool_mint.pubkey(),
            &pool.token_program,
            pool_tokens,
        )
    };
    let withdraw_cases = [
        Case {
            name: "another list",
            index: 1,
            replacement: |k| writable(k.other.validator_list.pubkey()),
            expected: custom(E::InvalidValidatorStakeList),
        },
        Case {
            name: "spoofed withdraw authority",
            index: 2,
            replacement: |_| readonly(Pubkey::new_unique()),
            expected: custom(E::InvalidProgramAddress),
        },
        Case {
            name: "stake delegated outside the pool",
            index: 3,
            replacement: |k| writable(k.outsider_stake),
            expected: custom(E::ValidatorNotFound),
        },
        Case {
            name: "the user's own stake delegated to the pool's validator",
            index: 3,
            replacement: |k| writable(k.user_stake),
            expected: custom(E::InvalidStakeAccountAddress),
        },
        Case {
            name: "the reserve while validators hold stake",
            index: 3,
            replacement: |k| writable(k.pool.reserve_stake),
            expected: custom(E::StakeLamportsNotEqualToMinimum),
        },
        Case {
            name: "wrong fee account",
            index: 8,
            replacement: |k| writable(k.other.manager_fee_account),
            expected: custom(E::InvalidFeeAccount),
        },
        Case {
            name: "wrong mint",
            index: 9,
            replacement: |k| writable(k.other.pool_mint.pubkey()),
            expected: custom(E::WrongPoolMint),
        },
        Case {
            name: "fake clock",
            index: 10,
            replacement: |_| readonly(solana_sdk::sysvar::rent::id()),
            expected: InstructionError::InvalidArgument,
        },
        Case {
            name: "wrong token program",
            index: 11,
            replacement: |_| readonly(spl_token_2022_interface::id()),
            expected: InstructionError::IncorrectProgramId,
        },
        Case {
            name: "wrong stake program",
            index: 12,
            replacement: |_| readonly(spl_token_interface::id()),
            expected: InstructionError::IncorrectProgramId,
        },
    ];
    for case in &withdraw_cases {
        println!("WithdrawStake: {}", case.name);
        twin.refuses(&mut env, &watched, case.expected.clone(), |_, side| {
            let mut ix = withdraw(side, LAMPORTS_PER_SOL);
            ix.accounts[case.index] = (case.replacement)(&keys(side));
            (vec![ix], vec![user_key.insecure_clone()])
        })
        .await;
    }
    // Zero tokens, and more tokens than the validator stake can give.
    twin.refuses(
        &mut env,
        &watched,
        custom(E::WithdrawalTooSmall),
        |_, side| (vec![withdraw(side, 0)], vec![user_key.insecure_clone()]),
    )
    .await;
    twin.refuses(
        &mut env,
        &watched,
        custom(E::StakeLamportsNotEqualToMinimum),
        |_, side| {
            (
                vec![withdraw(side, u64::MAX)],
                vec![user_key.insecure_clone()],
            )
        },
    )
    .await;
    // The receiving account must be an uninitialized stake account: the user's own stake
    // account is not, and the stake program refuses the split.
    let user_stake_as_receiver = twin
        .run_signed(&mut env, |_, side| {
            let mut ix = withdraw(side, LAMPORTS_PER_SOL);
            ix.accounts[4] = writable(user_stakes[side as usize]);
            (vec![ix], vec![user_key.insecure_clone()])
        })
        .await;
    assert!(user_stake_as_receiver.is_err());

    // A stale pool refuses both.
    env.next_epoch().await;
    twin.refuses(
        &mut env,
        &watched,
        custom(E::StakeListAndPoolOutOfDate),
        |_, side| (deposit(side), vec![]),
    )
    .await;
    twin.refuses(
        &mut env,
        &watched,
        custom(E::StakeListAndPoolOutOfDate),
        |_, side| {
            (
                vec![withdraw(side, LAMPORTS_PER_SOL)],
                vec![user_key.insecure_clone()],
            )
        },
    )
    .await;
}
