//! `CreateTokenMetadata` (tag 17): the manager gives the pool token a name, symbol and URI that
//! wallets show, through a Metaplex `CreateMetadataAccountV3` signed by the withdraw authority
//! (the mint authority), which also becomes the metadata's update authority.
//!
//! Accounts:
//!   0. `[]` Stake pool
//!   1. `[s]` Manager
//!   2. `[]` Withdraw authority PDA
//!   3. `[]` Pool mint
//!   4. `[ws]` Payer of the metadata account's rent (a system account)
//!   5. `[w]` Metadata account, PDA `["metadata", metadata program, mint]` of the metadata program
//!   6. `[]` Metaplex token metadata program
//!   7. `[]` System program
//!
//! Data: name, symbol, uri (Borsh strings).

use crate::instruction::Invocation;
use pinocchio::{cpi::Signer, error::ProgramError, ProgramResult};

use super::{
    checks::{check_manager, check_owner, check_pool_mint, check_program},
    DataReader,
};
use crate::{
    cpi,
    error::StakePoolError,
    ids::{MPL_TOKEN_METADATA_PROGRAM, SYSTEM_PROGRAM},
    log, pda,
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

    let [stake_pool, manager, withdraw_authority, pool_mint, payer, metadata, metadata_program, system_program, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    if !payer.is_signer() {
        log("Payer did not sign metadata creation");
        return Err(StakePoolError::SignatureMissing.into());
    }
    check_program(system_program, &SYSTEM_PROGRAM)?;
    // The payer funds the new account through the system program, so it must be one of its.
    check_owner(payer, &SYSTEM_PROGRAM)?;
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
    check_pool_mint(pool, pool_mint)?;
    pda::check_metadata_account(&pool.pool_mint, metadata)?;
    let bump = [pool.stake_withdraw_bump_seed];
    drop(pool_data);

    let seeds = pda::withdraw_authority_seeds(stake_pool.address(), &bump);
    cpi::metadata::create_metadata(
        metadata,
        pool_mint,
        withdraw_authority,
        payer,
        system_program,
        strings,
        Signer::from(&seeds),
    )
}
