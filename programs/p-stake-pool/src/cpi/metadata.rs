//! Metaplex token metadata instructions, encoded by hand (no heap): the pool's name, symbol and
//! URI arrive Borsh-encoded in our instruction data and are forwarded byte for byte.

use pinocchio::{
    cpi::{invoke_signed, Signer},
    error::ProgramError,
    instruction::{InstructionAccount, InstructionView},
    AccountView, ProgramResult,
};

use crate::ids::MPL_TOKEN_METADATA_PROGRAM;

const CREATE_METADATA_ACCOUNT_V3: u8 = 33;
const UPDATE_METADATA_ACCOUNT_V2: u8 = 15;

/// Larger than any instruction a transaction can carry.
const MAX_DATA: usize = 1_280;

/// `DataV2 { name, symbol, uri, seller_fee_basis_points: 0, creators: None,
/// collection: None, uses: None }`, appended to `buffer` at `at`; returns the new end.
fn put_data_v2(
    buffer: &mut [u8; MAX_DATA],
    mut at: usize,
    strings: [&[u8]; 3],
) -> Result<usize, ProgramError> {
    for bytes in strings {
        at = put(buffer, at, bytes)?;
    }
    // seller_fee_basis_points: 0 (u16), creators, collection, uses: None.
    put(buffer, at, &[0, 0, 0, 0, 0])
}

/// Appends `bytes` at `at`; returns the new end.
fn put(buffer: &mut [u8; MAX_DATA], at: usize, bytes: &[u8]) -> Result<usize, ProgramError> {
    let end = at
        .checked_add(bytes.len())
        .filter(|end| *end <= MAX_DATA)
        .ok_or(ProgramError::InvalidInstructionData)?;
    buffer[at..end].copy_from_slice(bytes);
    Ok(end)
}

/// `CreateMetadataAccountV3` for `mint`, with the pool's withdraw authority as mint authority
/// and update authority, mutable, no creators or collection.
#[allow(clippy::too_many_arguments)]
pub fn create_metadata(
    metadata: &AccountView,
    mint: &AccountView,
    authority: &AccountView,
    payer: &AccountView,
    system_program: &AccountView,
    strings: [&[u8]; 3],
    signer: Signer,
) -> ProgramResult {
    let mut buffer = [0u8; MAX_DATA];
    buffer[0] = CREATE_METADATA_ACCOUNT_V3;
    let end = put_data_v2(&mut buffer, 1, strings)?;
    // is_mutable: true, collection_details: None.
    let end = put(&mut buffer, end, &[1, 0])?;
    invoke_signed(
        &InstructionView {
            program_id: &MPL_TOKEN_METADATA_PROGRAM,
            data: &buffer[..end],
            accounts: &[
                InstructionAccount::writable(metadata.address()),
                InstructionAccount::readonly(mint.address()),
                InstructionAccount::readonly_signer(authority.address()),
                InstructionAccount::writable_signer(payer.address()),
                InstructionAccount::readonly_signer(authority.address()),
                InstructionAccount::readonly(system_program.address()),
            ],
        },
        &[metadata, mint, authority, payer, authority, system_program],
        &[signer],
    )
}

/// `UpdateMetadataAccountV2` replacing name, symbol and URI, keeping the update authority
/// and primary-sale flag, and keeping the metadata mutable.
pub fn update_metadata(
    metadata: &AccountView,
    authority: &AccountView,
    strings: [&[u8]; 3],
    signer: Signer,
) -> ProgramResult {
    let mut buffer = [0u8; MAX_DATA];
    buffer[0] = UPDATE_METADATA_ACCOUNT_V2;
    // data: Some(DataV2 { .. })
    buffer[1] = 1;
    let end = put_data_v2(&mut buffer, 2, strings)?;
    // update_authority: None, primary_sale_happened: None, is_mutable: Some(true).
    let end = put(&mut buffer, end, &[0, 0, 1, 1])?;
    invoke_signed(
        &InstructionView {
            program_id: &MPL_TOKEN_METADATA_PROGRAM,
            data: &buffer[..end],
            accounts: &[
                InstructionAccount::writable(metadata.address()),
                InstructionAccount::readonly_signer(authority.address()),
            ],
        },
        &[metadata, authority],
        &[signer],
    )
}
