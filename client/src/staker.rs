//! Builders for the staker's and manager's instructions that move stake between validators
//! and name the pool's token, and the derivations of the stake accounts they name. Each is
//! the instruction the SPL stake pool client builds (same tag, data and account metas).

use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use crate::{
    tag, PoolAccounts, CLOCK_SYSVAR_ID, STAKE_HISTORY_SYSVAR_ID, STAKE_PROGRAM_ID,
    SYSTEM_PROGRAM_ID,
};
use p_stake_pool_interface::{ids::MPL_TOKEN_METADATA_PROGRAM, pda};

/// Rent sysvar.
pub const RENT_SYSVAR_ID: Pubkey =
    Pubkey::from_str_const("SysvarRent111111111111111111111111111111111");
/// The stake program's (retired) config account, still named by the SPL account lists.
pub const STAKE_CONFIG_ID: Pubkey =
    Pubkey::from_str_const("StakeConfig11111111111111111111111111111111");

/// The pool's stake account for `vote`: `[vote, stake_pool]`, plus the validator seed (u32
/// LE) when it is not zero.
pub fn find_validator_stake(
    program_id: &Pubkey,
    vote: &Pubkey,
    stake_pool: &Pubkey,
    validator_seed: u32,
) -> (Pubkey, u8) {
    let seed = validator_seed.to_le_bytes();
    let seed: &[u8] = if validator_seed == 0 { &[] } else { &seed };
    Pubkey::find_program_address(&[vote.as_ref(), stake_pool.as_ref(), seed], program_id)
}

/// The pool's transient stake account for `vote` and `transient_seed`.
pub fn find_transient_stake(
    program_id: &Pubkey,
    vote: &Pubkey,
    stake_pool: &Pubkey,
    transient_seed: u64,
) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[
            pda::TRANSIENT_STAKE,
            vote.as_ref(),
            stake_pool.as_ref(),
            &transient_seed.to_le_bytes(),
        ],
        program_id,
    )
}

/// The Metaplex metadata account of `mint`.
pub fn find_token_metadata(mint: &Pubkey) -> Pubkey {
    let metadata_program = Pubkey::new_from_array(MPL_TOKEN_METADATA_PROGRAM.to_bytes());
    Pubkey::find_program_address(
        &[b"metadata", metadata_program.as_ref(), mint.as_ref()],
        &metadata_program,
    )
    .0
}

/// A validator's stake accounts in a pool: which vote account, and the seeds of its
/// validator and transient stake accounts (from its validator list entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidatorSeeds {
    pub vote: Pubkey,
    pub validator_seed: u32,
    pub transient_seed: u64,
}

impl ValidatorSeeds {
    pub fn validator_stake(&self, pool: &PoolAccounts) -> Pubkey {
        find_validator_stake(
            &pool.program_id,
            &self.vote,
            &pool.stake_pool,
            self.validator_seed,
        )
        .0
    }

    pub fn transient_stake(&self, pool: &PoolAccounts) -> Pubkey {
        find_transient_stake(
            &pool.program_id,
            &self.vote,
            &pool.stake_pool,
            self.transient_seed,
        )
        .0
    }
}

fn data_u64_u64(tag: u8, first: u64, second: u64) -> Vec<u8> {
    let mut data = vec![tag];
    data.extend_from_slice(&first.to_le_bytes());
    data.extend_from_slice(&second.to_le_bytes());
    data
}

/// `AddValidatorToPool`: the reserve funds the new validator stake account (signed by the
/// staker).
pub fn add_validator_to_pool(
    pool: &PoolAccounts,
    staker: &Pubkey,
    vote: &Pubkey,
    validator_seed: u32,
) -> Instruction {
    let validator_stake =
        find_validator_stake(&pool.program_id, vote, &pool.stake_pool, validator_seed).0;
    let mut data = vec![tag::ADD_VALIDATOR_TO_POOL];
    data.extend_from_slice(&validator_seed.to_le_bytes());
    Instruction {
        program_id: pool.program_id,
        accounts: vec![
            AccountMeta::new(pool.stake_pool, false),
            AccountMeta::new_readonly(*staker, true),
            AccountMeta::new(pool.reserve_stake, false),
            AccountMeta::new_readonly(pool.withdraw_authority(), false),
            AccountMeta::new(pool.validator_list, false),
            AccountMeta::new(validator_stake, false),
            AccountMeta::new_readonly(*vote, false),
            AccountMeta::new_readonly(RENT_SYSVAR_ID, false),
            AccountMeta::new_readonly(CLOCK_SYSVAR_ID, false),
            AccountMeta::new_readonly(STAKE_HISTORY_SYSVAR_ID, false),
            AccountMeta::new_readonly(STAKE_CONFIG_ID, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
            AccountMeta::new_readonly(STAKE_PROGRAM_ID, false),
        ],
        data,
    }
}

/// `RemoveValidatorFromPool`: the validator's stake starts deactivating; the update returns
/// it to the reserve.
pub fn remove_validator_from_pool(
    pool: &PoolAccounts,
    staker: &Pubkey,
    validator: &ValidatorSeeds,
) -> Instruction {
    Instruction {
        program_id: pool.program_id,
        accounts: vec![
            AccountMeta::new(pool.stake_pool, false),
            AccountMeta::new_readonly(*staker, true),
            AccountMeta::new_readonly(pool.withdraw_authority(), false),
            AccountMeta::new(pool.validator_list, false),
            AccountMeta::new(validator.validator_stake(pool), false),
            AccountMeta::new(validator.transient_stake(pool), false),
            AccountMeta::new_readonly(CLOCK_SYSVAR_ID, false),
            AccountMeta::new_readonly(STAKE_PROGRAM_ID, false),
        ],
        data: vec![tag::REMOVE_VALIDATOR_FROM_POOL],
    }
}

/// `IncreaseValidatorStake`: `lamports` from the reserve into a new transient stake account
/// (seed `transient_seed`) delegated to the validator.
pub fn increase_validator_stake(
    pool: &PoolAccounts,
    staker: &Pubkey,
    validator: &ValidatorSeeds,
    lamports: u64,
    transient_seed: u64,
) -> Instruction {
    let transient = find_transient_stake(
        &pool.program_id,
        &validator.vote,
        &pool.stake_pool,
        transient_seed,
    )
    .0;
    Instruction {
        program_id: pool.program_id,
        accounts: vec![
            AccountMeta::new_readonly(pool.stake_pool, false),
            AccountMeta::new_readonly(*staker, true),
            AccountMeta::new_readonly(pool.withdraw_authority(), false),
            AccountMeta::new(pool.validator_list, false),
            AccountMeta::new(pool.reserve_stake, false),
            AccountMeta::new(transient, false),
            AccountMeta::new_readonly(validator.validator_stake(pool), false),
            AccountMeta::new_readonly(validator.vote, false),
            AccountMeta::new_readonly(CLOCK_SYSVAR_ID, false),
            AccountMeta::new_readonly(RENT_SYSVAR_ID, false),
            AccountMeta::new_readonly(STAKE_HISTORY_SYSVAR_ID, false),
            AccountMeta::new_readonly(STAKE_CONFIG_ID, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
            AccountMeta::new_readonly(STAKE_PROGRAM_ID, false),
        ],
        data: data_u64_u64(tag::INCREASE_VALIDATOR_STAKE, lamports, transient_seed),
    }
}

/// `DecreaseValidatorStakeWithReserve`: `lamports` of the validator's stake split into a new
/// transient stake account (seed `transient_seed`) that deactivates; the reserve pays its
/// rent.
pub fn decrease_validator_stake_with_reserve(
    pool: &PoolAccounts,
    staker: &Pubkey,
    validator: &ValidatorSeeds,
    lamports: u64,
    transient_seed: u64,
) -> Instruction {
    let transient = find_transient_stake(
        &pool.program_id,
        &validator.vote,
        &pool.stake_pool,
        transient_seed,
    )
    .0;
    Instruction {
        program_id: pool.program_id,
        accounts: vec![
            AccountMeta::new_readonly(pool.stake_pool, false),
            AccountMeta::new_readonly(*staker, true),
            AccountMeta::new_readonly(pool.withdraw_authority(), false),
            AccountMeta::new(pool.validator_list, false),
            AccountMeta::new(pool.reserve_stake, false),
            AccountMeta::new(validator.validator_stake(pool), false),
            AccountMeta::new(transient, false),
            AccountMeta::new_readonly(CLOCK_SYSVAR_ID, false),
            AccountMeta::new_readonly(STAKE_HISTORY_SYSVAR_ID, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
            AccountMeta::new_readonly(STAKE_PROGRAM_ID, false),
        ],
        data: data_u64_u64(
            tag::DECREASE_VALIDATOR_STAKE_WITH_RESERVE,
            lamports,
            transient_seed,
        ),
    }
}

/// Which preferred validator `SetPreferredValidator` sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreferredValidatorType {
    Deposit = 0,
    Withdraw = 1,
}

/// `SetPreferredValidator` (`None` clears it).
pub fn set_preferred_validator(
    pool: &PoolAccounts,
    staker: &Pubkey,
    kind: PreferredValidatorType,
    vote: Option<&Pubkey>,
) -> Instruction {
    let mut data = vec![tag::SET_PREFERRED_VALIDATOR, kind as u8];
    match vote {
        None => data.push(0),
        Some(vote) => {
            data.push(1);
            data.extend_from_slice(vote.as_ref());
        }
    }
    Instruction {
        program_id: pool.program_id,
        accounts: vec![
            AccountMeta::new(pool.stake_pool, false),
            AccountMeta::new_readonly(*staker, true),
            AccountMeta::new_readonly(pool.validator_list, false),
        ],
        data,
    }
}

/// Borsh strings: u32 LE length, then the bytes.
fn metadata_data(tag: u8, name: &str, symbol: &str, uri: &str) -> Vec<u8> {
    let mut data = vec![tag];
    for text in [name, symbol, uri] {
        data.extend_from_slice(&(text.len() as u32).to_le_bytes());
        data.extend_from_slice(text.as_bytes());
    }
    data
}

/// `CreateTokenMetadata` (Metaplex) for the pool's mint, signed by the manager; `payer`
/// funds the metadata account.
pub fn create_token_metadata(
    pool: &PoolAccounts,
    manager: &Pubkey,
    payer: &Pubkey,
    name: &str,
    symbol: &str,
    uri: &str,
) -> Instruction {
    Instruction {
        program_id: pool.program_id,
        accounts: vec![
            AccountMeta::new_readonly(pool.stake_pool, false),
            AccountMeta::new_readonly(*manager, true),
            AccountMeta::new_readonly(pool.withdraw_authority(), false),
            AccountMeta::new_readonly(pool.pool_mint, false),
            AccountMeta::new(*payer, true),
            AccountMeta::new(find_token_metadata(&pool.pool_mint), false),
            AccountMeta::new_readonly(
                Pubkey::new_from_array(MPL_TOKEN_METADATA_PROGRAM.to_bytes()),
                false,
            ),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ],
        data: metadata_data(tag::CREATE_TOKEN_METADATA, name, symbol, uri),
    }
}

/// `UpdateTokenMetadata`, signed by the manager.
pub fn update_token_metadata(
    pool: &PoolAccounts,
    manager: &Pubkey,
    name: &str,
    symbol: &str,
    uri: &str,
) -> Instruction {
    Instruction {
        program_id: pool.program_id,
        accounts: vec![
            AccountMeta::new_readonly(pool.stake_pool, false),
            AccountMeta::new_readonly(*manager, true),
            AccountMeta::new_readonly(pool.withdraw_authority(), false),
            AccountMeta::new(find_token_metadata(&pool.pool_mint), false),
            AccountMeta::new_readonly(
                Pubkey::new_from_array(MPL_TOKEN_METADATA_PROGRAM.to_bytes()),
                false,
            ),
        ],
        data: metadata_data(tag::UPDATE_TOKEN_METADATA, name, symbol, uri),
    }
}
