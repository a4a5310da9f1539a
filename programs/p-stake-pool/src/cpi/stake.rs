//! Stake program instructions, one struct per instruction: the accounts by name, then
//! `invoke_signed` with the pool's signer seeds.
//!
//! Builders are structs passed by reference rather than functions with one parameter per
//! account: on SBPF v0 a call may pass at most five machine arguments in registers, and a
//! sixth would go through the stack, which mainnet's stack-frame gaps do not allow
//! (`scripts/check-sbf.py` refuses such a binary).

use pinocchio::{
    cpi::{invoke_signed, Signer},
    error::ProgramError,
    instruction::{InstructionAccount, InstructionView},
    AccountView, Address, ProgramResult,
};

use crate::ids::STAKE_PROGRAM;

const AUTHORIZE: u8 = 1;
const DELEGATE_STAKE: u8 = 2;
const SPLIT: u8 = 3;
const WITHDRAW: u8 = 4;
const DEACTIVATE: u8 = 5;
const MERGE: u8 = 7;
const GET_MINIMUM_DELEGATION: u8 = 13;

/// `Withdraw { lamports }` (bincode: u32 tag 4, u64): moves `lamports` out of `stake`.
pub struct Withdraw<'a> {
    pub stake: &'a AccountView,
    pub recipient: &'a AccountView,
    pub clock: &'a AccountView,
    pub stake_history: &'a AccountView,
    pub authority: &'a AccountView,
    pub lamports: u64,
}

impl Withdraw<'_> {
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let mut data = [0u8; 12];
        data[0] = WITHDRAW;
        data[4..].copy_from_slice(&self.lamports.to_le_bytes());
        invoke_signed(
            &InstructionView {
                program_id: &STAKE_PROGRAM,
                data: &data,
                accounts: &[
                    InstructionAccount::writable(self.stake.address()),
                    InstructionAccount::writable(self.recipient.address()),
                    InstructionAccount::readonly(self.clock.address()),
                    InstructionAccount::readonly(self.stake_history.address()),
                    InstructionAccount::readonly_signer(self.authority.address()),
                ],
            },
            &[
                self.stake,
                self.recipient,
                self.clock,
                self.stake_history,
                self.authority,
            ],
            signers,
        )
    }
}

/// `Split { lamports }`: moves `lamports` of `stake` into `split_to` (allocated, owned by the
/// stake program, uninitialized), keeping the same authorities and delegation.
pub struct Split<'a> {
    pub stake: &'a AccountView,
    pub split_to: &'a AccountView,
    pub authority: &'a AccountView,
    pub lamports: u64,
}

impl Split<'_> {
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let mut data = [0u8; 12];
        data[0] = SPLIT;
        data[4..].copy_from_slice(&self.lamports.to_le_bytes());
        invoke_signed(
            &InstructionView {
                program_id: &STAKE_PROGRAM,
                data: &data,
                accounts: &[
                    InstructionAccount::writable(self.stake.address()),
                    InstructionAccount::writable(self.split_to.address()),
                    InstructionAccount::readonly_signer(self.authority.address()),
                ],
            },
            &[self.stake, self.split_to, self.authority],
            signers,
        )
    }
}

/// Which authority `Authorize` replaces.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum StakeAuthority {
    Staker = 0,
    Withdrawer = 1,
}

/// `Authorize { new_authority, kind }`: hands one of `stake`'s authorities to
/// `new_authority`, signed by the current one (no signer seeds when it signed the
/// transaction itself).
pub struct Authorize<'a> {
    pub stake: &'a AccountView,
    pub clock: &'a AccountView,
    pub authority: &'a AccountView,
    pub new_authority: &'a Address,
    pub kind: StakeAuthority,
}

impl Authorize<'_> {
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let mut data = [0u8; 40];
        data[0] = AUTHORIZE;
        data[4..36].copy_from_slice(self.new_authority.as_ref());
        data[36] = self.kind as u8;
        invoke_signed(
            &InstructionView {
                program_id: &STAKE_PROGRAM,
                data: &data,
                accounts: &[
                    InstructionAccount::writable(self.stake.address()),
                    InstructionAccount::readonly(self.clock.address()),
                    InstructionAccount::readonly_signer(self.authority.address()),
                ],
            },
            &[self.stake, self.clock, self.authority],
            signers,
        )
    }
}

/// `DelegateStake`: delegates `stake` to `vote`.
pub struct Delegate<'a> {
    pub stake: &'a AccountView,
    pub vote: &'a AccountView,
    pub clock: &'a AccountView,
    pub stake_history: &'a AccountView,
    pub stake_config: &'a AccountView,
    pub authority: &'a AccountView,
}

impl Delegate<'_> {
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let data = [DELEGATE_STAKE, 0, 0, 0];
        invoke_signed(
            &InstructionView {
                program_id: &STAKE_PROGRAM,
                data: &data,
                accounts: &[
                    InstructionAccount::writable(self.stake.address()),
                    InstructionAccount::readonly(self.vote.address()),
                    InstructionAccount::readonly(self.clock.address()),
                    InstructionAccount::readonly(self.stake_history.address()),
                    InstructionAccount::readonly(self.stake_config.address()),
                    InstructionAccount::readonly_signer(self.authority.address()),
                ],
            },
            &[
                self.stake,
                self.vote,
                self.clock,
                self.stake_history,
                self.stake_config,
                self.authority,
            ],
            signers,
        )
    }
}

/// `Deactivate`: starts cooling `stake` down at the end of this epoch.
pub struct Deactivate<'a> {
    pub stake: &'a AccountView,
    pub clock: &'a AccountView,
    pub authority: &'a AccountView,
}

impl Deactivate<'_> {
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let data = [DEACTIVATE, 0, 0, 0];
        invoke_signed(
            &InstructionView {
                program_id: &STAKE_PROGRAM,
                data: &data,
                accounts: &[
                    InstructionAccount::writable(self.stake.address()),
                    InstructionAccount::readonly(self.clock.address()),
                    InstructionAccount::readonly_signer(self.authority.address()),
                ],
            },
            &[self.stake, self.clock, self.authority],
            signers,
        )
    }
}

/// `Merge`: folds `source` into `destination` (the stake program checks compatibility).
pub struct Merge<'a> {
    pub destination: &'a AccountView,
    pub source: &'a AccountView,
    pub clock: &'a AccountView,
    pub stake_history: &'a AccountView,
    pub authority: &'a AccountView,
}

impl Merge<'_> {
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let data = [MERGE, 0, 0, 0];
        invoke_signed(
            &InstructionView {
                program_id: &STAKE_PROGRAM,
                data: &data,
                accounts: &[
                    InstructionAccount::writable(self.destination.address()),
                    InstructionAccount::writable(self.source.address()),
                    InstructionAccount::readonly(self.clock.address()),
                    InstructionAccount::readonly(self.stake_history.address()),
                    InstructionAccount::readonly_signer(self.authority.address()),
                ],
            },
            &[
                self.destination,
                self.source,
                self.clock,
                self.stake_history,
                self.authority,
            ],
            signers,
        )
    }
}

/// `GetMinimumDelegation`: the stake program's current minimum, read from its return data.
/// Asked rather than assumed because a feature gate can raise it.
pub fn minimum_delegation() -> Result<u64, ProgramError> {
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
    let returned = pinocchio::cpi::get_return_data().ok_or(ProgramError::InvalidAccountData)?;
    if returned.program_id() != &STAKE_PROGRAM {
        return Err(ProgramError::IncorrectProgramId);
    }
    let bytes: [u8; 8] = returned
        .as_slice()
        .try_into()
        .map_err(|_| ProgramError::InvalidAccountData)?;
    Ok(u64::from_le_bytes(bytes))
}
