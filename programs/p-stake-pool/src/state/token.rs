//! Views of SPL Token / Token-2022 mints and token accounts, validated the way
//! `StateWithExtensions::unpack` validates them, plus the extension allow-lists a pool applies.

use pinocchio::{error::ProgramError, AccountView, Address};

use crate::error::StakePoolError;

const MINT_LEN: usize = 82;
const TOKEN_ACCOUNT_LEN: usize = 165;
/// A multisig account's size: never a mint or token account, even with extensions.
const MULTISIG_LEN: usize = 355;
/// Extensions start after the 165-byte base (mints are zero-padded to it) and a type byte.
const ACCOUNT_TYPE_OFFSET: usize = 165;
const EXTENSIONS_OFFSET: usize = 166;
const ACCOUNT_TYPE_MINT: u8 = 1;
const ACCOUNT_TYPE_TOKEN_ACCOUNT: u8 = 2;

/// Token-2022 extension type numbers the pool cares about.
pub mod extension {
    pub const UNINITIALIZED: u16 = 0;
    pub const TRANSFER_FEE_CONFIG: u16 = 1;
    pub const TRANSFER_FEE_AMOUNT: u16 = 2;
    pub const MINT_CLOSE_AUTHORITY: u16 = 3;
    pub const CONFIDENTIAL_TRANSFER_MINT: u16 = 4;
    pub const DEFAULT_ACCOUNT_STATE: u16 = 6;
    pub const IMMUTABLE_OWNER: u16 = 7;
    pub const INTEREST_BEARING_CONFIG: u16 = 10;
    pub const CPI_GUARD: u16 = 11;
    pub const CONFIDENTIAL_TRANSFER_FEE_CONFIG: u16 = 16;
    pub const METADATA_POINTER: u16 = 18;
    pub const TOKEN_METADATA: u16 = 19;
    /// Highest extension number Token-2022 defines (`PermissionedBurn`).
    pub const LAST_KNOWN: u16 = 28;
    /// Token-2022's test-only variants sit at the top of the u16 range.
    pub const FIRST_TEST_ONLY: u16 = u16::MAX - 2;
}

/// Mint extensions a pool mint may carry: none of them can block minting, burning or
/// transferring the pool token by the pool.
pub const ALLOWED_MINT_EXTENSIONS: [u16; 7] = [
    extension::TRANSFER_FEE_CONFIG,
    extension::CONFIDENTIAL_TRANSFER_MINT,
    extension::CONFIDENTIAL_TRANSFER_FEE_CONFIG,
    extension::DEFAULT_ACCOUNT_STATE,
    extension::INTEREST_BEARING_CONFIG,
    extension::METADATA_POINTER,
    extension::TOKEN_METADATA,
];

/// Fee account extensions that cannot block the fee transfers users' withdrawals make
/// (confidential-transfer accounts are excluded: they can refuse plain transfers).
pub const ALLOWED_FEE_ACCOUNT_EXTENSIONS: [u16; 3] = [
    extension::TRANSFER_FEE_AMOUNT,
    extension::IMMUTABLE_OWNER,
    extension::CPI_GUARD,
];

/// `COption` tag: 4 bytes, 0 = none, 1 = some; anything else is malformed.
#[inline(always)]
fn coption_is_some(tag: &[u8]) -> Result<bool, ProgramError> {
    match tag {
        [0, 0, 0, 0] => Ok(false),
        [1, 0, 0, 0] => Ok(true),
        _ => Err(ProgramError::InvalidAccountData),
    }
}

#[inline(always)]
fn address_at(data: &[u8], offset: usize) -> &Address {
    // SAFETY: callers pass offsets inside the checked base length; `Address` has alignment 1.
    unsafe { &*(data.as_ptr().add(offset) as *const Address) }
}

/// Checks the bytes after a base state: padding zero up to the account type byte, the type
/// byte naming `expected_account_type`. Returns the extension (TLV) bytes.
fn extension_data(
    data: &[u8],
    base_len: usize,
    expected_account_type: u8,
) -> Result<&[u8], ProgramError> {
    if data.len() == MULTISIG_LEN || data.len() < base_len {
        return Err(ProgramError::InvalidAccountData);
    }
    if data.len() == base_len {
        return Ok(&[]);
    }
    if data.len() < EXTENSIONS_OFFSET || data[base_len..ACCOUNT_TYPE_OFFSET].iter().any(|&b| b != 0)
    {
        return Err(ProgramError::InvalidAccountData);
    }
    if data[ACCOUNT_TYPE_OFFSET] != expected_account_type {
        return Err(ProgramError::InvalidAccountData);
    }
    Ok(&data[EXTENSIONS_OFFSET..])
}

/// Walks the extension entries, refusing any type outside `allowed` with `refusal`.
/// Malformed entries are `InvalidAccountData`, as Token-2022 itself reports them.
fn check_extensions(
    mut extensions: &[u8],
    allowed: &[u16],
    refusal: StakePoolError,
) -> Result<(), ProgramError> {
    loop {
        if extensions.len() < 2 {
            return Ok(());
        }
        let extension_type = u16::from_le_bytes([extensions[0], extensions[1]]);
        if extension_type == extension::UNINITIALIZED {
            return Ok(());
        }
        if extension_type > extension::LAST_KNOWN && extension_type < extension::FIRST_TEST_ONLY {
            return Err(ProgramError::InvalidAccountData);
        }
        if extensions.len() < 4 {
            return Err(ProgramError::InvalidAccountData);
        }
        let length = u16::from_le_bytes([extensions[2], extensions[3]]) as usize;
        let end = length.saturating_add(4);
        if end > extensions.len() {
            return Err(ProgramError::InvalidAccountData);
        }
        if !allowed.contains(&extension_type) {
            return Err(refusal.into());
        }
        extensions = &extensions[end..];
    }
}

/// An initialized mint.
pub struct Mint<'a> {
    data: &'a [u8],
    extensions: &'a [u8],
}

impl<'a> Mint<'a> {
    pub fn load(data: &'a [u8]) -> Result<Self, ProgramError> {
        let extensions = extension_data(data, MINT_LEN, ACCOUNT_TYPE_MINT)?;
        coption_is_some(&data[0..4])?;
        let initialized = match data[45] {
            0 => false,
            1 => true,
            _ => return Err(ProgramError::InvalidAccountData),
        };
        coption_is_some(&data[46..50])?;
        if !initialized {
            return Err(ProgramError::UninitializedAccount);
        }
        Ok(Self { data, extensions })
    }

    pub fn mint_authority(&self) -> Option<&Address> {
        (self.data[0] == 1).then(|| address_at(self.data, 4))
    }

    pub fn supply(&self) -> u64 {
        super::read_u64(&self.data[36..44])
    }

    pub fn decimals(&self) -> u8 {
        self.data[44]
    }

    pub fn has_freeze_authority(&self) -> bool {
        self.data[46] == 1
    }

    /// Every extension must be on the pool mint allow-list.
    pub fn check_extensions(&self) -> Result<(), ProgramError> {
        check_extensions(
            self.extensions,
            &ALLOWED_MINT_EXTENSIONS,
            StakePoolError::UnsupportedMintExtension,
        )
    }
}

/// A token account in any initialized state.
pub struct TokenAccount<'a> {
    data: &'a [u8],
    extensions: &'a [u8],
}

/// `AccountState` values.
const STATE_UNINITIALIZED: u8 = 0;
const STATE_INITIALIZED: u8 = 1;
const STATE_FROZEN: u8 = 2;

impl<'a> TokenAccount<'a> {
    pub fn load(data: &'a [u8]) -> Result<Self, ProgramError> {
        let extensions = extension_data(data, TOKEN_ACCOUNT_LEN, ACCOUNT_TYPE_TOKEN_ACCOUNT)?;
        coption_is_some(&data[72..76])?;
        if data[108] > STATE_FROZEN {
            return Err(ProgramError::InvalidAccountData);
        }
        coption_is_some(&data[109..113])?;
        coption_is_some(&data[129..133])?;
        if data[108] == STATE_UNINITIALIZED {
            return Err(ProgramError::UninitializedAccount);
        }
        Ok(Self { data, extensions })
    }

    pub fn mint(&self) -> &Address {
        address_at(self.data, 0)
    }

    /// Initialized and not frozen.
    pub fn is_usable(&self) -> bool {
        self.data[108] == STATE_INITIALIZED
    }
}

/// The check every manager fee account passes: a token account of the pool's token program,
/// usable (not frozen), of the pool mint, with only harmless extensions. A fee account that
/// fails it never blocks users: withdrawals skip the fee and updates skip the epoch fee.
pub fn check_manager_fee_account(
    fee_account: &AccountView,
    token_program: &Address,
    pool_mint: &Address,
) -> Result<(), ProgramError> {
    let data = fee_account.try_borrow()?;
    let account = TokenAccount::load(&data)?;
    if !fee_account.owned_by(token_program) || !account.is_usable() || account.mint() != pool_mint {
        return Err(StakePoolError::InvalidFeeAccount.into());
    }
    check_extensions(
        account.extensions,
        &ALLOWED_FEE_ACCOUNT_EXTENSIONS,
        StakePoolError::UnsupportedFeeAccountExtension,
    )
}
