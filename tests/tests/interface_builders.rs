//! The interface crate's instruction builders produce exactly the instructions of the SPL
//! stake pool 2.2.0 client (program id, account metas, data), so anything built with either
//! drives either program.

use p_stake_pool_client::PoolKeys;
use p_stake_pool_interface::instructions;
use solana_sdk::pubkey::Pubkey;

fn keys() -> PoolKeys {
    let program_id = Pubkey::new_unique();
    let stake_pool = Pubkey::new_unique();
    PoolKeys {
        program_id,
        stake_pool,
        withdraw_authority: spl_stake_pool::find_withdraw_authority_program_address(
            &program_id,
            &stake_pool,
        )
        .0,
        validator_list: Pubkey::new_unique(),
        reserve_stake: Pubkey::new_unique(),
        pool_mint: Pubkey::new_unique(),
        manager_fee_account: Pubkey::new_unique(),
        token_program: spl_token_interface::id(),
    }
}

#[test]
fn sol_deposits_and_withdrawals_match_the_spl_client() {
    let pool = keys();
    let (from, to, referrer, authority) = (
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
    );
    let spl_args = (&pool.program_id, &pool.stake_pool, &pool.withdraw_authority);
    assert_eq!(
        instructions::deposit_sol(&pool, &from, &to, &referrer, None, 42, None),
        spl_stake_pool::instruction::deposit_sol(
            spl_args.0,
            spl_args.1,
            spl_args.2,
            &pool.reserve_stake,
            &from,
            &to,
            &pool.manager_fee_account,
            &referrer,
            &pool.pool_mint,
            &pool.token_program,
            42,
        )
    );
    assert_eq!(
        instructions::deposit_sol(&pool, &from, &to, &referrer, Some(&authority), 42, Some(40)),
        spl_stake_pool::instruction::deposit_sol_with_authority_and_slippage(
            spl_args.0,
            spl_args.1,
            &authority,
            spl_args.2,
            &pool.reserve_stake,
            &from,
            &to,
            &pool.manager_fee_account,
            &referrer,
            &pool.pool_mint,
            &pool.token_program,
            42,
            40,
        )
    );
    assert_eq!(
        instructions::withdraw_sol(&pool, &from, &to, &referrer, None, 42, None),
        spl_stake_pool::instruction::withdraw_sol(
            spl_args.0,
            spl_args.1,
            spl_args.2,
            &from,
            &to,
            &pool.reserve_stake,
            &referrer,
            &pool.manager_fee_account,
            &pool.pool_mint,
            &pool.token_program,
            42,
        )
    );
    assert_eq!(
        instructions::withdraw_sol(&pool, &from, &to, &referrer, Some(&authority), 42, Some(41)),
        spl_stake_pool::instruction::withdraw_sol_with_authority_and_slippage(
            spl_args.0,
            spl_args.1,
            &authority,
            spl_args.2,
            &from,
            &to,
            &pool.reserve_stake,
            &referrer,
            &pool.manager_fee_account,
            &pool.pool_mint,
            &pool.token_program,
            42,
            41,
        )
    );
}

#[test]
fn stake_deposits_and_withdrawals_match_the_spl_client() {
    let pool = keys();
    let (stake, validator_stake, to, referrer, user) = (
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
    );
    let deposit_authority =
        spl_stake_pool::find_deposit_authority_program_address(&pool.program_id, &pool.stake_pool)
            .0;
    // The SPL client prepends the two `Authorize` instructions; the pool's own is the last.
    for minimum in [None, Some(7)] {
        let spl = match minimum {
            None => spl_stake_pool::instruction::deposit_stake(
                &pool.program_id,
                &pool.stake_pool,
                &pool.validator_list,
                &pool.withdraw_authority,
                &stake,
                &user,
                &validator_stake,
                &pool.reserve_stake,
                &to,
                &pool.manager_fee_account,
                &referrer,
                &pool.pool_mint,
                &pool.token_program,
            ),
            Some(minimum) => spl_stake_pool::instruction::deposit_stake_with_slippage(
                &pool.program_id,
                &pool.stake_pool,
                &pool.validator_list,
                &pool.withdraw_authority,
                &stake,
                &user,
                &validator_stake,
                &pool.reserve_stake,
                &to,
                &pool.manager_fee_account,
                &referrer,
                &pool.pool_mint,
                &pool.token_program,
                minimum,
            ),
        };
        assert_eq!(
            &instructions::deposit_stake(
                &pool,
                &deposit_authority,
                false,
                &stake,
                &validator_stake,
                &to,
                &referrer,
                minimum,
            ),
            spl.last().unwrap()
        );
        let spl = match minimum {
            None => spl_stake_pool::instruction::withdraw_stake(
                &pool.program_id,
                &pool.stake_pool,
                &pool.validator_list,
                &pool.withdraw_authority,
                &validator_stake,
                &stake,
                &user,
                &user,
                &to,
                &pool.manager_fee_account,
                &pool.pool_mint,
                &pool.token_program,
                99,
            ),
            Some(minimum) => spl_stake_pool::instruction::withdraw_stake_with_slippage(
                &pool.program_id,
                &pool.stake_pool,
                &pool.validator_list,
                &pool.withdraw_authority,
                &validator_stake,
                &stake,
                &user,
                &user,
                &to,
                &pool.manager_fee_account,
                &pool.pool_mint,
                &pool.token_program,
                99,
                minimum,
            ),
        };
        assert_eq!(
            instructions::withdraw_stake(
                &pool,
                &validator_stake,
                &stake,
                &user,
                &user,
                &to,
                99,
                minimum,
            ),
            spl
        );
    }
}
