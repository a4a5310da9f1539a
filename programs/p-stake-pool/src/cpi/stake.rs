//! Stake program instructions.

use pinocchio::{
    cpi::{invoke_signed, Signer},
    instruction::{InstructionAccount, InstructionView},
    AccountView, ProgramResult,
};

use crate::ids::STAKE_PROGRAM;

const WITHDRAW: u8 = 4;

/// `Withdraw { lamports }` (bincode: u32 tag 4, u64), signed by the pool's withdraw authority.
pub fn withdraw(
    stake: &AccountView,
    recipient: &AccountView,
    clock: &AccountView,
    stake_history: &AccountView,
    withdraw_authority: &AccountView,
    lamports: u64,
    signer: Signer,
) -> ProgramResult {
    let mut data = [0u8; 12];
    data[0] = WITHDRAW;
    data[4..].copy_from_slice(&lamports.to_le_bytes());
    invoke_signed(
        &InstructionView {
            program_id: &STAKE_PROGRAM,
            data: &data,
            accounts: &[
                InstructionAccount::writable(stake.address()),
                InstructionAccount::writable(recipient.address()),
                InstructionAccount::readonly(clock.address()),
                InstructionAccount::readonly(stake_history.address()),
                InstructionAccount::readonly_signer(withdraw_authority.address()),
            ],
        },
        &[stake, recipient, clock, stake_history, withdraw_authority],
        &[signer],
    )
}

const AUTHORIZE: u8 = 1;
const DELEGATE_STAKE: u8 = 2;
const SPLIT: u8 = 3;
const DEACTIVATE: u8 = 5;
const MERGE: u8 = 7;
const GET_MINIMUM_DELEGATION: u8 = 13;

/// `Split { lamports }`: moves `lamports` of `stake` into `split_to` (allocated, owned by the
/// stake program, uninitialized), keeping the same authorities and delegation.
pub fn split(
    stake: &AccountView,
    split_to: &AccountView,
    authority: &AccountView,
    lamports: u64,
    signer: Signer,
) -> ProgramResult {
    let mut data = [0u8; 12];
    data[0] = SPLIT;
    data[4..].copy_from_slice(&lamports.to_le_bytes());
    invoke_signed(
        &InstructionView {
            program_id: &STAKE_PROGRAM,
            data: &data,
            accounts: &[
                InstructionAccount::writable(stake.address()),
                InstructionAccount::writable(split_to.address()),
                InstructionAccount::readonly_signer(authority.address()),
            ],
        },
        &[stake, split_to, authority],
        &[signer],
    )
}

/// Which authority `Authorize` replaces.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum StakeAuthority {
    Staker = 0,
    Withdrawer = 1,
}

/// `Authorize { new_authority, kind }`: hands one of `stake`'s authorities to
/// `new_authority`, signed by the current one (`signers` empty when it signed the
/// transaction itself).
pub fn authorize(
    stake: &AccountView,
    clock: &AccountView,
    authority: &AccountView,
    new_authority: &pinocchio::Address,
    kind: StakeAuthority,
    signers: &[Signer],
) -> ProgramResult {
    let mut data = [0u8; 40];
    data[0] = AUTHORIZE;
    data[4..36].copy_from_slice(new_authority.as_ref());
    data[36] = kind as u8;
    invoke_signed(
        &InstructionView {
            program_id: &STAKE_PROGRAM,
            data: &data,
            accounts: &[
                InstructionAccount::writable(stake.address()),
                InstructionAccount::readonly(clock.address()),
                InstructionAccount::readonly_signer(authority.address()),
            ],
        },
        &[stake, clock, authority],
        signers,
    )
}

/// `DelegateStake`: delegates `stake` to `vote`.
pub fn delegate(
    stake: &AccountView,
    vote: &AccountView,
    clock: &AccountView,
    stake_history: &AccountView,
    stake_config: &AccountView,
    authority: &AccountView,
    signer: Signer,
) -> ProgramResult {
    let data = [DELEGATE_STAKE, 0, 0, 0];
    invoke_signed(
        &InstructionView {
            program_id: &STAKE_PROGRAM,
            data: &data,
            accounts: &[
                InstructionAccount::writable(stake.address()),
                InstructionAccount::readonly(vote.address()),
                InstructionAccount::readonly(clock.address()),
                InstructionAccount::readonly(stake_history.address()),
                InstructionAccount::readonly(stake_config.address()),
                InstructionAccount::readonly_signer(authority.address()),
            ],
        },
        &[stake, vote, clock, stake_history, stake_config, authority],
        &[signer],
    )
}

/// `Deactivate`: starts cooling `stake` down at the end of this epoch.
pub fn deactivate(
    stake: &AccountView,
    clock: &AccountView,
    authority: &AccountView,
    signer: Signer,
) -> ProgramResult {
    let data = [DEACTIVATE, 0, 0, 0];
    invoke_signed(
        &InstructionView {
            program_id: &STAKE_PROGRAM,
            data: &data,
            accounts: &[
                InstructionAccount::writable(stake.address()),
                InstructionAccount::readonly(clock.address()),
                InstructionAccount::readonly_signer(authority.address()),
            ],
        },
        &[stake, clock, authority],
        &[signer],
    )
}

/// `Merge`: folds `source` into `destination` (the stake program checks compatibility).
pub fn merge(
    destination: &AccountView,
    source: &AccountView,
    clock: &AccountView,
    stake_history: &AccountView,
    authority: &AccountView,
    signer: Signer,
) -> ProgramResult {
    let data = [MERGE, 0, 0, 0];
    invoke_signed(
        &InstructionView {
            program_id: &STAKE_PROGRAM,
            data: &data,
            accounts: &[
                InstructionAccount::writable(destination.address()),
                InstructionAccount::writable(source.address()),
                InstructionAccount::readonly(clock.address()),
                InstructionAccount::readonly(stake_history.address()),
                InstructionAccount::readonly_signer(authority.address()),
            ],
        },
        &[destination, source, clock, stake_history, authority],
        &[signer],
    )
}

/// `GetMinimumDelegation`: the stake program's current minimum, read from its return data.
/// Asked rather than assumed because a feature gate can raise it.
pub fn minimum_delegation() -> Result<u64, pinocchio::error::ProgramError> {
    let data = [GET_MINIMUM_DELEGATION, 0, 0, 0];
    let no_accounts: [&AccountView; 0] = [];
    pinocchio::cpi::invoke(
        &InstructionView {
            program_id: &STAKE_PROGRAM,
            data: &data,
            accounts: &[],
        },
        &no_accounts,
    )?;
    let returned = pinocchio::cpi::get_return_data()
        .ok_or(pinocchio::error::ProgramError::InvalidAccountData)?;
    if returned.program_id() != &STAKE_PROGRAM {
        return Err(pinocchio::error::ProgramError::IncorrectProgramId);
    }
    let bytes: [u8; 8] = returned
        .as_slice()
        .try_into()
        .map_err(|_| pinocchio::error::ProgramError::InvalidAccountData)?;
    Ok(u64::from_le_bytes(bytes))
}
