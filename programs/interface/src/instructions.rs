//! `solana_instruction::Instruction` builders (feature `instruction`) for off-chain clients
//! and for programs built on `solana-program`, which invoke them with `invoke_signed`. The
//! accounts are those of [`crate::cpi`], by address; the pool's withdraw authority is passed
//! in (`[stake_pool, "withdraw"]`, see [`crate::pda`]).

use alloc::vec::Vec;

use solana_address::Address;
use solana_instruction::{AccountMeta, Instruction};

use crate::{
    ids::{CLOCK_SYSVAR, STAKE_HISTORY_SYSVAR, STAKE_PROGRAM, SYSTEM_PROGRAM},
    instruction as data,
};

/// The pool-wide accounts every deposit and withdrawal names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolKeys {
    pub program_id: Address,
    pub stake_pool: Address,
    pub withdraw_authority: Address,
    pub validator_list: Address,
    pub reserve_stake: Address,
    pub pool_mint: Address,
    pub manager_fee_account: Address,
    pub token_program: Address,
}

fn instruction(pool: &PoolKeys, accounts: Vec<AccountMeta>, data: &[u8]) -> Instruction {
    Instruction {
        program_id: pool.program_id,
        accounts,
        data: data.to_vec(),
    }
}

/// `DepositSol`, or `DepositSolWithSlippage` when `minimum_pool_tokens_out` is set.
pub fn deposit_sol(
    pool: &PoolKeys,
    lamports_from: &Address,
    destination: &Address,
    referrer: &Address,
    sol_deposit_authority: Option<&Address>,
    lamports: u64,
    minimum_pool_tokens_out: Option<u64>,
) -> Instruction {
    let mut accounts = Vec::from([
        AccountMeta::new(pool.stake_pool, false),
        AccountMeta::new_readonly(pool.withdraw_authority, false),
        AccountMeta::new(pool.reserve_stake, false),
        AccountMeta::new(*lamports_from, true),
        AccountMeta::new(*destination, false),
        AccountMeta::new(pool.manager_fee_account, false),
        AccountMeta::new(*referrer, false),
        AccountMeta::new(pool.pool_mint, false),
        AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        AccountMeta::new_readonly(pool.token_program, false),
    ]);
    if let Some(authority) = sol_deposit_authority {
        accounts.push(AccountMeta::new_readonly(*authority, true));
    }
    match minimum_pool_tokens_out {
        None => instruction(pool, accounts, &data::deposit_sol(lamports)),
        Some(minimum) => instruction(
            pool,
            accounts,
            &data::deposit_sol_with_slippage(lamports, minimum),
        ),
    }
}

/// `WithdrawSol`, or `WithdrawSolWithSlippage` when `minimum_lamports_out` is set.
pub fn withdraw_sol(
    pool: &PoolKeys,
    user_transfer_authority: &Address,
    burn_from: &Address,
    destination: &Address,
    sol_withdraw_authority: Option<&Address>,
    pool_tokens: u64,
    minimum_lamports_out: Option<u64>,
) -> Instruction {
    let mut accounts = Vec::from([
        AccountMeta::new(pool.stake_pool, false),
        AccountMeta::new_readonly(pool.withdraw_authority, false),
        AccountMeta::new_readonly(*user_transfer_authority, true),
        AccountMeta::new(*burn_from, false),
        AccountMeta::new(pool.reserve_stake, false),
        AccountMeta::new(*destination, false),
        AccountMeta::new(pool.manager_fee_account, false),
        AccountMeta::new(pool.pool_mint, false),
        AccountMeta::new_readonly(CLOCK_SYSVAR, false),
        AccountMeta::new_readonly(STAKE_HISTORY_SYSVAR, false),
        AccountMeta::new_readonly(STAKE_PROGRAM, false),
        AccountMeta::new_readonly(pool.token_program, false),
    ]);
    if let Some(authority) = sol_withdraw_authority {
        accounts.push(AccountMeta::new_readonly(*authority, true));
    }
    match minimum_lamports_out {
        None => instruction(pool, accounts, &data::withdraw_sol(pool_tokens)),
        Some(minimum) => instruction(
            pool,
            accounts,
            &data::withdraw_sol_with_slippage(pool_tokens, minimum),
        ),
    }
}

/// `DepositStake`, or `DepositStakeWithSlippage`. `deposit_stake`'s staker and withdrawer
/// must already be `stake_deposit_authority`; it signs when it is the pool's custom deposit
/// authority (`deposit_authority_signs`).
#[allow(clippy::too_many_arguments)]
pub fn deposit_stake(
    pool: &PoolKeys,
    stake_deposit_authority: &Address,
    deposit_authority_signs: bool,
    deposit_stake: &Address,
    validator_stake: &Address,
    destination: &Address,
    referrer: &Address,
    minimum_pool_tokens_out: Option<u64>,
) -> Instruction {
    let accounts = Vec::from([
        AccountMeta::new(pool.stake_pool, false),
        AccountMeta::new(pool.validator_list, false),
        AccountMeta::new_readonly(*stake_deposit_authority, deposit_authority_signs),
        AccountMeta::new_readonly(pool.withdraw_authority, false),
        AccountMeta::new(*deposit_stake, false),
        AccountMeta::new(*validator_stake, false),
        AccountMeta::new(pool.reserve_stake, false),
        AccountMeta::new(*destination, false),
        AccountMeta::new(pool.manager_fee_account, false),
        AccountMeta::new(*referrer, false),
        AccountMeta::new(pool.pool_mint, false),
        AccountMeta::new_readonly(CLOCK_SYSVAR, false),
        AccountMeta::new_readonly(STAKE_HISTORY_SYSVAR, false),
        AccountMeta::new_readonly(pool.token_program, false),
        AccountMeta::new_readonly(STAKE_PROGRAM, false),
    ]);
    match minimum_pool_tokens_out {
        None => instruction(pool, accounts, &data::deposit_stake()),
        Some(minimum) => instruction(pool, accounts, &data::deposit_stake_with_slippage(minimum)),
    }
}

/// `WithdrawStake`, or `WithdrawStakeWithSlippage`: splits the tokens' value from
/// `split_from` into the uninitialized stake account `split_to`, owned by `new_authority`.
#[allow(clippy::too_many_arguments)]
pub fn withdraw_stake(
    pool: &PoolKeys,
    split_from: &Address,
    split_to: &Address,
    new_authority: &Address,
    user_transfer_authority: &Address,
    burn_from: &Address,
    pool_tokens: u64,
    minimum_lamports_out: Option<u64>,
) -> Instruction {
    let accounts = Vec::from([
        AccountMeta::new(pool.stake_pool, false),
        AccountMeta::new(pool.validator_list, false),
        AccountMeta::new_readonly(pool.withdraw_authority, false),
        AccountMeta::new(*split_from, false),
        AccountMeta::new(*split_to, false),
        AccountMeta::new_readonly(*new_authority, false),
        AccountMeta::new_readonly(*user_transfer_authority, true),
        AccountMeta::new(*burn_from, false),
        AccountMeta::new(pool.manager_fee_account, false),
        AccountMeta::new(pool.pool_mint, false),
        AccountMeta::new_readonly(CLOCK_SYSVAR, false),
        AccountMeta::new_readonly(pool.token_program, false),
        AccountMeta::new_readonly(STAKE_PROGRAM, false),
    ]);
    match minimum_lamports_out {
        None => instruction(pool, accounts, &data::withdraw_stake(pool_tokens)),
        Some(minimum) => instruction(
            pool,
            accounts,
            &data::withdraw_stake_with_slippage(pool_tokens, minimum),
        ),
    }
}
