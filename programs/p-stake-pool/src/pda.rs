//! Program-derived addresses: seeds, searches (only where a bump is not yet known) and cheap
//! verification of stored bumps.

use pinocchio::{cpi::Seed, error::ProgramError, Address};

use crate::error::StakePoolError;

pub use p_stake_pool_interface::pda::{
    AUTHORITY_DEPOSIT, AUTHORITY_WITHDRAW, EPHEMERAL_STAKE as EPHEMERAL_STAKE_SEED_PREFIX,
    TRANSIENT_STAKE as TRANSIENT_STAKE_SEED_PREFIX, UNSTAKE_TICKET,
};

/// Canonical withdraw authority and bump. Only `Initialize` searches; everything else
/// verifies the bump stored in the pool with one hash.
#[inline]
pub fn find_withdraw_authority(
    program_id: &Address,
    stake_pool: &Address,
) -> Result<(Address, u8), ProgramError> {
    find_canonical(&[stake_pool.as_ref(), AUTHORITY_WITHDRAW], program_id)
}

/// Canonical default deposit authority.
#[inline]
pub fn find_deposit_authority(
    program_id: &Address,
    stake_pool: &Address,
) -> Result<(Address, u8), ProgramError> {
    find_canonical(&[stake_pool.as_ref(), AUTHORITY_DEPOSIT], program_id)
}

/// Verifies `provided` is the pool's withdraw authority. A spoofed authority would let an
/// attacker pass its own account where the pool's PDA signs. Hashing with the stored bump
/// (one sha256, ~100 CU) replaces `create_program_address` (1,500 CU): the bump was found by
/// `find_program_address` at initialization, so the result is known to be off the curve.
#[inline(always)]
pub fn check_withdraw_authority(
    program_id: &Address,
    stake_pool: &Address,
    bump: u8,
    provided: &Address,
) -> Result<(), ProgramError> {
    let expected = Address::derive_address(
        &[stake_pool.as_ref(), AUTHORITY_WITHDRAW],
        Some(bump),
        program_id,
    );
    if expected != *provided {
        crate::log("Incorrect withdraw authority provided");
        return Err(StakePoolError::InvalidProgramAddress.into());
    }
    Ok(())
}

/// Signer seeds of the withdraw authority.
#[inline(always)]
pub fn withdraw_authority_seeds<'a>(stake_pool: &'a Address, bump: &'a [u8; 1]) -> [Seed<'a>; 3] {
    [
        Seed::from(stake_pool.as_ref()),
        Seed::from(AUTHORITY_WITHDRAW),
        Seed::from(bump),
    ]
}

/// Canonical address of a validator's stake account in the pool:
/// `[vote, pool, seed (omitted when 0)]`.
pub fn find_validator_stake(
    program_id: &Address,
    vote: &Address,
    stake_pool: &Address,
    seed: u32,
) -> Result<(Address, u8), ProgramError> {
    let seed_bytes = seed.to_le_bytes();
    if seed == 0 {
        find_canonical(&[vote.as_ref(), stake_pool.as_ref()], program_id)
    } else {
        find_canonical(
            &[vote.as_ref(), stake_pool.as_ref(), &seed_bytes],
            program_id,
        )
    }
}

/// Canonical address of a validator's transient stake account:
/// `["transient", vote, pool, seed u64]`.
pub fn find_transient_stake(
    program_id: &Address,
    vote: &Address,
    stake_pool: &Address,
    seed: u64,
) -> Result<(Address, u8), ProgramError> {
    find_canonical(
        &[
            TRANSIENT_STAKE_SEED_PREFIX,
            vote.as_ref(),
            stake_pool.as_ref(),
            &seed.to_le_bytes(),
        ],
        program_id,
    )
}

/// Canonical address of an ephemeral stake account, the scratch account through which
/// `*Additional*` rebalances reach an existing transient: `["ephemeral", pool, seed u64]`.
pub fn find_ephemeral_stake(
    program_id: &Address,
    stake_pool: &Address,
    seed: u64,
) -> Result<(Address, u8), ProgramError> {
    find_canonical(
        &[
            EPHEMERAL_STAKE_SEED_PREFIX,
            stake_pool.as_ref(),
            &seed.to_le_bytes(),
        ],
        program_id,
    )
}

/// The canonical program address of `seeds`: the first bump, from 255 down, whose address is
/// off the ed25519 curve — the same answer as `find_program_address`. Canonical matters: with
/// any other bump a second address would exist for the same seeds, and an empty account there
/// could pass for a stake account holding nothing.
///
/// On-chain each bump tried costs one `sol_sha256` and one `sol_curve_validate_point`
/// (~330 CU) instead of a `create_program_address` (1,500 CU); two bumps are tried on average,
/// and the crank derives two addresses per validator.
pub fn find_canonical<const N: usize>(
    seeds: &[&[u8]; N],
    program_id: &Address,
) -> Result<(Address, u8), ProgramError> {
    #[cfg(target_os = "solana")]
    {
        for bump in (0..=u8::MAX).rev() {
            let candidate = Address::derive_address(seeds, Some(bump), program_id);
            if !is_on_curve(&candidate) {
                return Ok((candidate, bump));
            }
        }
        Err(ProgramError::InvalidSeeds)
    }
    #[cfg(not(target_os = "solana"))]
    {
        Address::try_find_program_address(seeds, program_id).ok_or(ProgramError::InvalidSeeds)
    }
}

/// Whether 32 bytes decode to a point on the ed25519 curve (an address that could have a
/// private key, so never a program address).
#[cfg(target_os = "solana")]
#[inline(always)]
fn is_on_curve(address: &Address) -> bool {
    /// `CURVE25519_EDWARDS` in the curve syscalls.
    const EDWARDS: u64 = 0;
    let mut unused = 0u8;
    // SAFETY: the syscall reads 32 bytes from a valid address; the third argument is unused.
    unsafe {
        pinocchio::syscalls::sol_curve_validate_point(
            EDWARDS,
            address.as_ref().as_ptr(),
            &mut unused,
        ) == 0
    }
}

/// The pool mint's Metaplex metadata account must be the metadata program's canonical PDA
/// `["metadata", metadata program, mint]`: any other account would hold metadata no wallet
/// looks at.
pub fn check_metadata_account(
    pool_mint: &Address,
    metadata: &pinocchio::AccountView,
) -> Result<(), ProgramError> {
    let program = crate::ids::MPL_TOKEN_METADATA_PROGRAM;
    let (expected, _) = find_canonical(
        &[b"metadata", program.as_ref(), pool_mint.as_ref()],
        &program,
    )?;
    if expected != *metadata.address() {
        crate::log("Incorrect metadata account provided");
        return Err(StakePoolError::InvalidMetadataAccount.into());
    }
    Ok(())
}

/// `account` must be the canonical address `found`: the pool finds and signs for its stake
/// accounts only there, so anything else is a substitution. Returns the bump.
#[inline(always)]
fn check_stake_address(
    found: Result<(Address, u8), ProgramError>,
    account: &Address,
    message: &str,
) -> Result<u8, ProgramError> {
    let (expected, bump) = found?;
    if expected != *account {
        crate::log(message);
        return Err(StakePoolError::InvalidStakeAccountAddress.into());
    }
    Ok(bump)
}

/// `account` must be the validator's stake account in the pool; returns its bump.
pub fn check_validator_stake(
    program_id: &Address,
    vote: &Address,
    stake_pool: &Address,
    seed: u32,
    account: &Address,
) -> Result<u8, ProgramError> {
    check_stake_address(
        find_validator_stake(program_id, vote, stake_pool, seed),
        account,
        "Incorrect validator stake account address",
    )
}

/// `account` must be the validator's transient stake account for `seed`; returns its bump.
pub fn check_transient_stake(
    program_id: &Address,
    vote: &Address,
    stake_pool: &Address,
    seed: u64,
    account: &Address,
) -> Result<u8, ProgramError> {
    check_stake_address(
        find_transient_stake(program_id, vote, stake_pool, seed),
        account,
        "Incorrect transient stake account address",
    )
}

/// `account` must be the pool's ephemeral stake account for `seed`; returns its bump.
pub fn check_ephemeral_stake(
    program_id: &Address,
    stake_pool: &Address,
    seed: u64,
    account: &Address,
) -> Result<u8, ProgramError> {
    check_stake_address(
        find_ephemeral_stake(program_id, stake_pool, seed),
        account,
        "Incorrect ephemeral stake account address",
    )
}

/// Signer seeds of a transient stake account.
#[inline(always)]
pub fn transient_stake_seeds<'a>(
    vote: &'a Address,
    stake_pool: &'a Address,
    seed: &'a [u8; 8],
    bump: &'a [u8; 1],
) -> [Seed<'a>; 5] {
    [
        Seed::from(TRANSIENT_STAKE_SEED_PREFIX),
        Seed::from(vote.as_ref()),
        Seed::from(stake_pool.as_ref()),
        Seed::from(seed),
        Seed::from(bump),
    ]
}

/// Signer seeds of an ephemeral stake account.
#[inline(always)]
pub fn ephemeral_stake_seeds<'a>(
    stake_pool: &'a Address,
    seed: &'a [u8; 8],
    bump: &'a [u8; 1],
) -> [Seed<'a>; 4] {
    [
        Seed::from(EPHEMERAL_STAKE_SEED_PREFIX),
        Seed::from(stake_pool.as_ref()),
        Seed::from(seed),
        Seed::from(bump),
    ]
}

/// `account` must be the unstake ticket of `stake_account` in `stake_pool`
/// (`["ticket", pool, stake account]`); returns its bump. A ticket anywhere else is a
/// forgery, and the address ties a ticket to its pool and its stake account for good.
pub fn check_ticket(
    program_id: &Address,
    stake_pool: &Address,
    stake_account: &Address,
    account: &Address,
) -> Result<u8, ProgramError> {
    let (expected, bump) = find_canonical(
        &[UNSTAKE_TICKET, stake_pool.as_ref(), stake_account.as_ref()],
        program_id,
    )?;
    if expected != *account {
        crate::log("Incorrect unstake ticket address");
        return Err(StakePoolError::InvalidUnstakeTicket.into());
    }
    Ok(bump)
}

/// Signer seeds of an unstake ticket (to create it).
#[inline(always)]
pub fn ticket_seeds<'a>(
    stake_pool: &'a Address,
    stake_account: &'a Address,
    bump: &'a [u8; 1],
) -> [Seed<'a>; 4] {
    [
        Seed::from(UNSTAKE_TICKET),
        Seed::from(stake_pool.as_ref()),
        Seed::from(stake_account.as_ref()),
        Seed::from(bump),
    ]
}
