//! The client crate's builders for the staker's and manager's instructions, and its stake
//! deposit, produce exactly the SPL stake pool 2.2.0 client's instructions (program id,
//! account metas, data), and its address derivations give the same addresses. The CLI
//! builds everything through them.

use std::num::NonZeroU32;

use p_stake_pool_client::{self as client, PoolAccounts, PreferredValidatorType, ValidatorSeeds};
use solana_sdk::pubkey::Pubkey;

fn pool() -> PoolAccounts {
    PoolAccounts {
        program_id: Pubkey::new_unique(),
        stake_pool: Pubkey::new_unique(),
        validator_list: Pubkey::new_unique(),
        reserve_stake: Pubkey::new_unique(),
        pool_mint: Pubkey::new_unique(),
        manager_fee_account: Pubkey::new_unique(),
        token_program_id: spl_token_interface::id(),
    }
}

#[test]
fn addresses_match_the_spl_derivations() {
    let pool = pool();
    let vote = Pubkey::new_unique();
    for seed in [0u32, 1, 7, u32::MAX] {
        assert_eq!(
            client::find_validator_stake(&pool.program_id, &vote, &pool.stake_pool, seed),
            spl_stake_pool::find_stake_program_address(
                &pool.program_id,
                &vote,
                &pool.stake_pool,
                NonZeroU32::new(seed)
            )
        );
    }
    for seed in [0u64, 1, u64::MAX] {
        assert_eq!(
            client::find_transient_stake(&pool.program_id, &vote, &pool.stake_pool, seed),
            spl_stake_pool::find_transient_stake_program_address(
                &pool.program_id,
                &vote,
                &pool.stake_pool,
                seed
            )
        );
    }
    assert_eq!(
        client::find_token_metadata(&pool.pool_mint),
        spl_stake_pool::inline_mpl_token_metadata::pda::find_metadata_account(&pool.pool_mint).0
    );
}

#[test]
fn validator_management_matches_the_spl_client() {
    let pool = pool();
    let staker = Pubkey::new_unique();
    let validator = ValidatorSeeds {
        vote: Pubkey::new_unique(),
        validator_seed: 3,
        transient_seed: 9,
    };
    let withdraw = pool.withdraw_authority();
    let validator_stake = validator.validator_stake(&pool);
    assert_eq!(
        client::add_validator_to_pool(&pool, &staker, &validator.vote, 3),
        spl_stake_pool::instruction::add_validator_to_pool(
            &pool.program_id,
            &pool.stake_pool,
            &staker,
            &pool.reserve_stake,
            &withdraw,
            &pool.validator_list,
            &validator_stake,
            &validator.vote,
            NonZeroU32::new(3),
        )
    );
    assert_eq!(
        client::remove_validator_from_pool(&pool, &staker, &validator),
        spl_stake_pool::instruction::remove_validator_from_pool(
            &pool.program_id,
            &pool.stake_pool,
            &staker,
            &withdraw,
            &pool.validator_list,
            &validator_stake,
            &validator.transient_stake(&pool),
        )
    );
    let next_transient =
        client::find_transient_stake(&pool.program_id, &validator.vote, &pool.stake_pool, 10).0;
    assert_eq!(
        client::increase_validator_stake(&pool, &staker, &validator, 5_000, 10),
        spl_stake_pool::instruction::increase_validator_stake(
            &pool.program_id,
            &pool.stake_pool,
            &staker,
            &withdraw,
            &pool.validator_list,
            &pool.reserve_stake,
            &next_transient,
            &validator_stake,
            &validator.vote,
            5_000,
            10,
        )
    );
    assert_eq!(
        client::decrease_validator_stake_with_reserve(&pool, &staker, &validator, 6_000, 10),
        spl_stake_pool::instruction::decrease_validator_stake_with_reserve(
            &pool.program_id,
            &pool.stake_pool,
            &staker,
            &withdraw,
            &pool.validator_list,
            &pool.reserve_stake,
            &validator_stake,
            &next_transient,
            6_000,
            10,
        )
    );
    for (kind, spl_kind) in [
        (
            PreferredValidatorType::Deposit,
            spl_stake_pool::instruction::PreferredValidatorType::Deposit,
        ),
        (
            PreferredValidatorType::Withdraw,
            spl_stake_pool::instruction::PreferredValidatorType::Withdraw,
        ),
    ] {
        for vote in [None, Some(validator.vote)] {
            assert_eq!(
                client::set_preferred_validator(&pool, &staker, kind, vote.as_ref()),
                spl_stake_pool::instruction::set_preferred_validator(
                    &pool.program_id,
                    &pool.stake_pool,
                    &staker,
                    &pool.validator_list,
                    spl_kind.clone(),
                    vote,
                )
            );
        }
    }
}

#[test]
fn token_metadata_matches_the_spl_client() {
    let pool = pool();
    let (manager, payer) = (Pubkey::new_unique(), Pubkey::new_unique());
    assert_eq!(
        client::create_token_metadata(&pool, &manager, &payer, "Pool SOL", "pSOL", "https://x"),
        spl_stake_pool::instruction::create_token_metadata(
            &pool.program_id,
            &pool.stake_pool,
            &manager,
            &pool.pool_mint,
            &payer,
            "Pool SOL".into(),
            "pSOL".into(),
            "https://x".into(),
        )
    );
    assert_eq!(
        client::update_token_metadata(&pool, &manager, "New", "N", ""),
        spl_stake_pool::instruction::update_token_metadata(
            &pool.program_id,
            &pool.stake_pool,
            &manager,
            &pool.pool_mint,
            "New".into(),
            "N".into(),
            "".into(),
        )
    );
}

#[test]
fn stake_deposit_matches_the_spl_client() {
    let pool = pool();
    let (stake, withdrawer, validator_stake, destination, referrer, custom) = (
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
    );
    let withdraw = pool.withdraw_authority();
    assert_eq!(
        client::deposit_stake(
            &pool,
            None,
            &stake,
            &withdrawer,
            &validator_stake,
            &destination,
            &referrer,
            Some(77),
        ),
        spl_stake_pool::instruction::deposit_stake_with_slippage(
            &pool.program_id,
            &pool.stake_pool,
            &pool.validator_list,
            &withdraw,
            &stake,
            &withdrawer,
            &validator_stake,
            &pool.reserve_stake,
            &destination,
            &pool.manager_fee_account,
            &referrer,
            &pool.pool_mint,
            &pool.token_program_id,
            77,
        )
    );
    assert_eq!(
        client::deposit_stake(
            &pool,
            Some(&custom),
            &stake,
            &withdrawer,
            &validator_stake,
            &destination,
            &referrer,
            None,
        ),
        spl_stake_pool::instruction::deposit_stake_with_authority(
            &pool.program_id,
            &pool.stake_pool,
            &pool.validator_list,
            &custom,
            &withdraw,
            &stake,
            &withdrawer,
            &validator_stake,
            &pool.reserve_stake,
            &destination,
            &pool.manager_fee_account,
            &referrer,
            &pool.pool_mint,
            &pool.token_program_id,
        )
    );
}
