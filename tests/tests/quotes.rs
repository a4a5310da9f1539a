//! The interface's quotes are what the program does: over random pools (exchange rate, SOL
//! deposit fee, referral share) and random amounts, `quote::deposit_sol` and
//! `quote::withdraw_sol` computed from the pool account's bytes equal the tokens the `.so`
//! mints, the lamports it pays and the amount it returns, or fail with the program's own error.

use std::cell::RefCell;

use p_stake_pool_client::quote;
use p_stake_pool_tests::*;
use proptest::{prelude::*, test_runner::TestRunner};
use solana_sdk::signature::Signer;
use spl_stake_pool::state::{Fee, FeeType};

/// Byte offsets in the stake pool account (`StakePoolHeader`).
const TOTAL_LAMPORTS: usize = 258;
const POOL_TOKEN_SUPPLY: usize = 266;

#[derive(Debug, Clone)]
struct Case {
    total_lamports: u64,
    pool_token_supply: u64,
    deposit_fee: (u64, u64),
    referral: u8,
    deposit: u64,
    withdraw_share: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        1u64..=1_000_000 * LAMPORTS_PER_SOL,
        1u64..=1_000_000 * LAMPORTS_PER_SOL,
        (1u64..=10_000, 0u64..=100),
        0u8..=100,
        1u64..=500 * LAMPORTS_PER_SOL,
        0u64..=1_000,
    )
        .prop_map(
            |(
                total_lamports,
                pool_token_supply,
                (denominator, percent),
                referral,
                deposit,
                share,
            )| {
                Case {
                    total_lamports,
                    pool_token_supply,
                    deposit_fee: (denominator, denominator * percent / 100),
                    referral,
                    deposit,
                    withdraw_share: share,
                }
            },
        )
}

#[test]
fn quotes_equal_what_the_program_does() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The bank lives across cases; each case borrows it for the duration of its block_on.
    let mut env = runtime.block_on(start());
    let (pool, user, user_tokens) = runtime.block_on(async {
        let pool = create_pool(&mut env, PROGRAM_ID, &PoolConfig::default()).await;
        let (user, user_tokens) = env.pool_user(&pool, 400_000 * LAMPORTS_PER_SOL).await;
        // Tokens to withdraw, and SOL in the reserve to pay any quoted withdrawal.
        let deposit = deposit_sol_instruction(
            &pool,
            &user.pubkey(),
            &user_tokens,
            &user_tokens,
            300_000 * LAMPORTS_PER_SOL,
        );
        env.send(&[deposit], &[&user]).await.unwrap();
        (pool, user, user_tokens)
    });
    let env = RefCell::new(env);
    // A fixed seed: the same 256 pools on every run, so CI is repeatable.
    let mut runner = TestRunner::new_with_rng(
        proptest::test_runner::Config {
            cases: 256,
            failure_persistence: None,
            ..Default::default()
        },
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    runner
        .run(&case(), |case| {
            let mut env = env.borrow_mut();
            runtime.block_on(check_case(&mut env, &pool, &user, &user_tokens, &case))
        })
        .unwrap();
}

async fn check_case(
    env: &mut Env,
    pool: &Pool,
    user: &solana_sdk::signature::Keypair,
    user_tokens: &solana_sdk::pubkey::Pubkey,
    case: &Case,
) -> Result<(), TestCaseError> {
    // A random pool: its exchange rate written into the account, its fees set by the manager.
    let mut account = env.account(&pool.stake_pool.pubkey()).await.unwrap();
    account.data[TOTAL_LAMPORTS..TOTAL_LAMPORTS + 8]
        .copy_from_slice(&case.total_lamports.to_le_bytes());
    account.data[POOL_TOKEN_SUPPLY..POOL_TOKEN_SUPPLY + 8]
        .copy_from_slice(&case.pool_token_supply.to_le_bytes());
    env.ctx
        .set_account(&pool.stake_pool.pubkey(), &account.into());
    let fees = [
        FeeType::SolDeposit(Fee {
            denominator: case.deposit_fee.0,
            numerator: case.deposit_fee.1,
        }),
        FeeType::SolReferral(case.referral),
    ];
    for fee in fees {
        let set = spl_stake_pool::instruction::set_fee(
            &PROGRAM_ID,
            &pool.stake_pool.pubkey(),
            &pool.manager.pubkey(),
            fee,
        );
        env.send(&[set], &[&pool.manager]).await.unwrap();
    }
    let epoch = env.epoch().await;

    // Deposit: minted tokens, return data and quote agree (the user refers itself, so it
    // also receives the referral share).
    let data = env.account(&pool.stake_pool.pubkey()).await.unwrap().data;
    let quoted = quote::deposit_sol(&data, case.deposit, epoch);
    let deposit =
        deposit_sol_instruction(pool, &user.pubkey(), user_tokens, user_tokens, case.deposit);
    let before = env.token_balance(user_tokens).await;
    match quoted {
        Ok(split) => {
            let measured = env.measure(std::slice::from_ref(&deposit), &[user]).await;
            prop_assert_eq!(
                measured.return_data,
                Some((PROGRAM_ID, split.user.to_le_bytes().to_vec()))
            );
            env.send(&[deposit], &[user]).await.unwrap();
            let minted = env.token_balance(user_tokens).await - before;
            prop_assert_eq!(minted, split.user + split.referral_fee);
        }
        Err(error) => {
            let result = env.send(&[deposit], &[user]).await;
            prop_assert_eq!(
                instruction_error(result),
                program_error_as_instruction_error(error)
            );
        }
    }

    // Withdrawal of a share of the user's tokens.
    // No more than exists: in a real pool the supply is the mint's, and the user's tokens are
    // part of it (the random rate above does not keep that by itself).
    let balance = env
        .token_balance(user_tokens)
        .await
        .min(case.pool_token_supply);
    let pool_tokens = balance / 1_000 * case.withdraw_share;
    let data = env.account(&pool.stake_pool.pubkey()).await.unwrap().data;
    let quoted = quote::withdraw_sol(&data, pool_tokens, epoch);
    let destination = solana_sdk::pubkey::Pubkey::new_unique();
    let withdraw =
        withdraw_sol_instruction(pool, &user.pubkey(), user_tokens, &destination, pool_tokens);
    let available =
        env.lamports(&pool.reserve_stake).await - env.rent_exempt(STAKE_ACCOUNT_LEN).await;
    match quoted {
        Ok(split) if split.lamports <= available => {
            let measured = env.measure(std::slice::from_ref(&withdraw), &[user]).await;
            prop_assert_eq!(
                measured.return_data,
                Some((PROGRAM_ID, split.lamports.to_le_bytes().to_vec()))
            );
            env.send(&[withdraw], &[user]).await.unwrap();
            prop_assert_eq!(env.lamports(&destination).await, split.lamports);
        }
        Ok(_) => {
            // More than the reserve holds: the program refuses (the quote cannot know it).
            let result = env.send(&[withdraw], &[user]).await;
            prop_assert_eq!(
                instruction_error(result),
                solana_sdk::instruction::InstructionError::Custom(
                    spl_stake_pool::error::StakePoolError::SolWithdrawalTooLarge as u32
                )
            );
        }
        Err(error) => {
            let result = env.send(&[withdraw], &[user]).await;
            prop_assert_eq!(
                instruction_error(result),
                program_error_as_instruction_error(error)
            );
        }
    }
    Ok(())
}

fn program_error_as_instruction_error(
    error: solana_sdk::program_error::ProgramError,
) -> solana_sdk::instruction::InstructionError {
    match error {
        solana_sdk::program_error::ProgramError::Custom(code) => {
            solana_sdk::instruction::InstructionError::Custom(code)
        }
        other => panic!("unexpected quote error {other:?}"),
    }
}
