//! `UpdateTokenMetadata` (tag 18): the manager renames the pool token (name, symbol, URI)
//! through a Metaplex `UpdateMetadataAccountV2` signed by the withdraw authority, the
//! metadata's update authority.
//!
//! Accounts:
//!   0. `[]` Stake pool
//!   1. `[s]` Manager
//!   2. `[]` Withdraw authority PDA
//!   3. `[w]` Metadata account, PDA `["metadata", metadata program, mint]` of the metadata program
//!   4. `[]` Metaplex token metadata program
//!
//! Data: name, symbol, uri (Borsh strings).

use crate::instruction::Invocation;
use pinocchio::{cpi::Signer, error::ProgramError, ProgramResult};

use super::{
    checks::{check_manager, check_owner, check_program},
    DataReader,
};
use crate::{
    cpi,
    error::StakePoolError,
    ids::MPL_TOKEN_METADATA_PROGRAM,
    pda,
    state::{stake_pool::load_pool, AccountType},
};

#[inline(never)]
pub fn process(
    Invocation {
        program_id,
        accounts,
        data,
    }: Invocation<'_>,
) -> ProgramResult {
    let mut reader = DataReader::new(data);
    let strings = [
        reader.encoded_string()?,
        reader.encoded_string()?,
        reader.encoded_string()?,
    ];
    reader.finish()?;

    let [stake_pool, manager, withdraw_authority, metadata, metadata_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    check_owner(stake_pool, program_id)?;
    check_program(metadata_program, &MPL_TOKEN_METADATA_PROGRAM)?;

    let pool_data = stake_pool.try_borrow()?;
    let (pool, _) = load_pool(&pool_data)?;
    if pool.account_type()? != AccountType::StakePool {
        return Err(StakePoolError::InvalidState.into());
    }
    check_manager(pool, manager)?;
    pda::check_withdraw_authority(
        program_id,
        stake_pool.address(),
        pool.stake_withdraw_bump_seed,
        withdraw_authority.address(),
    )?;
    pda::check_metadata_account(&pool.pool_mint, metadata)?;
    let bump = [pool.stake_withdraw_bump_seed];
    drop(pool_data);

    let seeds = pda::withdraw_authority_seeds(stake_pool.address(), &bump);
    cpi::metadata::update_metadata(metadata, withdraw_authority, strings, Signer::from(&seeds))
}
