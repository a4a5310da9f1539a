//! A pool at the reference's size cap: 20,000 validators. Every instruction that looks a
//! validator up (or walks the whole list) must fit in one transaction's 1.4M compute units
//! with the validator it needs at the very end of the list.

use p_stake_pool_tests::*;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_sdk::{instruction::Instruction, signature::Signer};
use spl_stake_pool::instruction::PreferredValidatorType;

const VALIDATORS: usize = 20_000;
const LIMIT: u32 = 1_400_000;

/// Sends `ix` with the full compute budget and returns the CU it took.
async fn within_limit(
    env: &mut Env,
    ix: Instruction,
    signers: &[&solana_sdk::signature::Keypair],
) -> u64 {
    let ixs = [ComputeBudgetInstruction::set_compute_unit_limit(LIMIT), ix];
    let measured = env.measure(&ixs, signers).await;
    env.send(&ixs, signers).await.unwrap();
    measured.total
}

#[tokio::test]
async fn twenty_thousand_validators_fit_the_compute_limit() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 1_000 * LAMPORTS_PER_SOL,
        max_validators: VALIDATORS as u32,
        ..PoolConfig::default()
    };
    let pool = create_pool(&mut env, PROGRAM_ID, &config).await;
    pad_validator_list(&mut env, &pool, VALIDATORS - 1).await;

    // Adding the 20,000th validator scans every entry for a duplicate.
    let vote = env.create_vote_account(5).await;
    let state = spl_pool_state(&mut env, &pool).await;
    let add = spl_stake_pool::instruction::add_validator_to_pool_with_vote(
        &PROGRAM_ID,
        &state,
        &pool.stake_pool.pubkey(),
        &vote,
        None,
    );
    let mut report = vec![(
        "AddValidatorToPool",
        within_limit(&mut env, add, &[&pool.staker]).await,
    )];
    let list = spl_validator_list(&mut env, &pool).await;
    assert_eq!(list.validators.len(), VALIDATORS);
    assert_eq!(list.validators[VALIDATORS - 1].vote_account_address, vote);

    let increase = spl_stake_pool::instruction::increase_validator_stake_with_vote(
        &PROGRAM_ID,
        &state,
        &pool.stake_pool.pubkey(),
        &vote,
        100 * LAMPORTS_PER_SOL,
        None,
        0,
    );
    report.push((
        "IncreaseValidatorStake",
        within_limit(&mut env, increase, &[&pool.staker]).await,
    ));
    let prefer = spl_stake_pool::instruction::set_preferred_validator(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.staker.pubkey(),
        &pool.validator_list.pubkey(),
        PreferredValidatorType::Withdraw,
        Some(vote),
    );
    report.push((
        "SetPreferredValidator",
        within_limit(&mut env, prefer, &[&pool.staker]).await,
    ));

    // Stake of users, delegated to the 20,000th validator, activates during the epochs below.
    let user_stakes = [
        solana_sdk::signature::Keypair::new(),
        solana_sdk::signature::Keypair::new(),
    ];
    for stake in &user_stakes {
        env.create_delegated_stake(stake, &vote, 2 * LAMPORTS_PER_SOL)
            .await;
    }

    // Two epochs: the stand-ins are re-recorded as cranked by other transactions, the real
    // validator's pair is cranked here, and the balance update sums all 20,000 entries.
    for _ in 0..2 {
        env.next_epoch().await;
        pad_validator_list(&mut env, &pool, VALIDATORS - 1).await;
        let list = spl_validator_list(&mut env, &pool).await;
        let crank = spl_stake_pool::instruction::update_validator_list_balance_chunk(
            &PROGRAM_ID,
            &pool.stake_pool.pubkey(),
            &pool.withdraw_authority,
            &pool.validator_list.pubkey(),
            &pool.reserve_stake,
            &list,
            1,
            VALIDATORS - 1,
            false,
        )
        .unwrap();
        within_limit(&mut env, crank, &[]).await;
        let balance = update_instructions(&pool)[1].clone();
        let cu = within_limit(&mut env, balance, &[]).await;
        report.push(("UpdateStakePoolBalance (20,000 entries)", cu));
    }
    let list = spl_validator_list(&mut env, &pool).await;
    assert_eq!(
        u64::from(list.validators[VALIDATORS - 1].transient_stake_lamports),
        0
    );
    assert!(
        u64::from(list.validators[VALIDATORS - 1].active_stake_lamports) > 100 * LAMPORTS_PER_SOL
    );

    // Stake in and out at the end of the list: with the index hint (our extension) the lookup
    // costs the same as in a one-validator pool; without it (SPL clients), the scan still fits.
    let (user, user_tokens) = env.pool_user(&pool, 20 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol_instruction(
        &pool,
        &user.pubkey(),
        &user_tokens,
        &user_tokens,
        10 * LAMPORTS_PER_SOL,
    );
    env.send(&[deposit], &[&user]).await.unwrap();
    let list_data = env
        .account(&pool.validator_list.pubkey())
        .await
        .unwrap()
        .data;
    let index = p_stake_pool_client::validator_index(&list_data, &vote).unwrap();
    assert_eq!(index as usize, VALIDATORS - 1);
    let payer = env.payer();
    let validator_stake = spl_stake_pool::find_stake_program_address(
        &PROGRAM_ID,
        &vote,
        &pool.stake_pool.pubkey(),
        None,
    )
    .0;
    let mut deposit_cu = Vec::new();
    for (stake, hint) in user_stakes.iter().zip([None, Some(index)]) {
        let mut ixs = spl_stake_pool::instruction::deposit_stake(
            &PROGRAM_ID,
            &pool.stake_pool.pubkey(),
            &pool.validator_list.pubkey(),
            &pool.withdraw_authority,
            &stake.pubkey(),
            &payer.pubkey(),
            &validator_stake,
            &pool.reserve_stake,
            &user_tokens,
            &pool.manager_fee_account,
            &user_tokens,
            &pool.pool_mint.pubkey(),
            &pool.token_program,
        );
        let mut deposit = ixs.pop().unwrap();
        if let Some(index) = hint {
            deposit = p_stake_pool_client::with_validator_index_hint(deposit, index).unwrap();
        }
        env.send(&ixs, &[]).await.unwrap();
        deposit_cu.push(within_limit(&mut env, deposit, &[]).await);
    }
    report.push(("DepositStake (scan)", deposit_cu[0]));
    report.push(("DepositStake (index hint)", deposit_cu[1]));
    assert!(
        deposit_cu[1] + 100_000 < deposit_cu[0],
        "the hint skips the scan"
    );
    let mut withdraw_cu = Vec::new();
    for hint in [None, Some(index), Some(3)] {
        let receiver = solana_sdk::signature::Keypair::new();
        env.create_owned_account(
            &receiver,
            STAKE_ACCOUNT_LEN,
            &solana_stake_interface::program::id(),
        )
        .await;
        let mut withdraw = spl_stake_pool::instruction::withdraw_stake(
            &PROGRAM_ID,
            &pool.stake_pool.pubkey(),
            &pool.validator_list.pubkey(),
            &pool.withdraw_authority,
            &validator_stake,
            &receiver.pubkey(),
            &user.pubkey(),
            &user.pubkey(),
            &user_tokens,
            &pool.manager_fee_account,
            &pool.pool_mint.pubkey(),
            &pool.token_program,
            2 * LAMPORTS_PER_SOL,
        );
        if let Some(index) = hint {
            withdraw = p_stake_pool_client::with_validator_index_hint(withdraw, index).unwrap();
        }
        withdraw_cu.push(within_limit(&mut env, withdraw, &[&user]).await);
    }
    report.push(("WithdrawStake (scan)", withdraw_cu[0]));
    report.push(("WithdrawStake (index hint)", withdraw_cu[1]));
    report.push((
        "WithdrawStake (wrong hint: falls back to the scan)",
        withdraw_cu[2],
    ));
    assert!(
        withdraw_cu[1] + 100_000 < withdraw_cu[0],
        "the hint skips the scan"
    );

    let state = spl_pool_state(&mut env, &pool).await;
    let decrease = spl_stake_pool::instruction::decrease_validator_stake_with_vote(
        &PROGRAM_ID,
        &state,
        &pool.stake_pool.pubkey(),
        &vote,
        10 * LAMPORTS_PER_SOL,
        None,
        1,
    );
    report.push((
        "DecreaseValidatorStakeWithReserve",
        within_limit(&mut env, decrease, &[&pool.staker]).await,
    ));
    let remove = spl_stake_pool::instruction::remove_validator_from_pool_with_vote(
        &PROGRAM_ID,
        &state,
        &pool.stake_pool.pubkey(),
        &vote,
        None,
        1,
    );
    report.push((
        "RemoveValidatorFromPool",
        within_limit(&mut env, remove, &[&pool.staker]).await,
    ));
    let state = spl_pool_state(&mut env, &pool).await;
    assert_eq!(state.preferred_withdraw_validator_vote_address, None);
    let cleanup = update_instructions(&pool)[2].clone();
    report.push((
        "CleanupRemovedValidatorEntries (20,000 entries)",
        within_limit(&mut env, cleanup, &[]).await,
    ));
    for (name, cu) in &report {
        println!("{name}: {cu} CU");
        assert!(*cu < LIMIT as u64, "{name} exceeded the compute limit");
    }
}
