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
