//! Vote accounts, read from their raw bytes in every version mainnet holds.
//!
//! A vote account is the bincode encoding of `VoteStateVersions`: a u32 tag, then the state.
//! Mainnet holds three versions (the vote program rewrites an account in the newest version
//! whenever it touches it; tag 0 is an account never initialized):
//!
//! | tag | version    | commission                                  | votes           | BLS key |
//! |-----|------------|---------------------------------------------|-----------------|---------|
//! | 1   | `1_14_11`  | `commission: u8` (percent)                  | 12-byte lockout | none    |
//! | 2   | `V3`       | `commission: u8` (percent)                  | 13-byte landed  | none    |
//! | 3   | `V4`       | inflation and block-revenue commission, bps | 13-byte landed  | option  |
//!
//! Before V4 the validator kept all of its block revenue (the protocol had no delegator share):
//! a V3 or older account reads as a 10,000 bps block-revenue commission, as the vote program
//! converts it. Every length is checked against the account before it is used; an account
//! that does not parse is an error, never a default.

/// Largest tower the vote program keeps (`MAX_LOCKOUT_HISTORY`).
pub const MAX_VOTES: u64 = 32;
/// Largest epoch-credits history the vote program keeps (`MAX_EPOCH_CREDITS_HISTORY`).
pub const MAX_EPOCH_CREDITS: u64 = 64;
/// Credits a vote can earn for one slot under timely vote credits (`VOTE_CREDITS_MAXIMUM_PER_SLOT`,
/// active on mainnet): what an epoch allows is its slots times this.
pub const MAX_CREDITS_PER_SLOT: u64 = 16;
/// A whole commission in basis points.
pub const FULL_BPS: u16 = 10_000;

const PUBKEY: usize = 32;
const BLS_KEY: usize = 48;
/// One `(epoch, credits, prev_credits)` entry.
const EPOCH_CREDITS_ENTRY: usize = 24;
/// `CircBuf<(Pubkey, Epoch, Epoch)>` of 32 entries, then its index (u64) and `is_empty` (bool).
const PRIOR_VOTERS: usize = 32 * (PUBKEY + 16) + 8 + 1;
/// `BTreeMap<Epoch, Pubkey>` entry.
const AUTHORIZED_VOTER: usize = 8 + PUBKEY;

/// Why a vote account's bytes were not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteAccountError {
    /// Ends before its own lengths say.
    Truncated,
    /// A tag no vote program writes.
    UnsupportedVersion(u32),
    /// Tag 0, or no authorized voter: created but never initialized.
    Uninitialized,
    /// A length or option tag outside what the vote program writes.
    Malformed,
}

/// The version a vote account is stored in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteVersion {
    V1_14_11,
    V3,
    V4,
}

/// What the strategy reads from a vote account: a view of its bytes.
#[derive(Clone, Copy, Debug)]
pub struct VoteAccount<'a> {
    pub version: VoteVersion,
    pub node: [u8; 32],
    /// The commission on inflation rewards, in basis points.
    pub inflation_commission_bps: u16,
    /// The commission on block revenue (fees and tips of its blocks), in basis points.
    pub block_revenue_commission_bps: u16,
    /// Has a BLS public key (V4 only): what validator admission tickets need.
    pub has_bls_key: bool,
    /// The newest slot in its tower.
    pub last_voted_slot: Option<u64>,
    pub root_slot: Option<u64>,
    epoch_credits: &'a [u8],
}

/// One epoch of a vote account's credit history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochCredits {
    pub epoch: u64,
    /// Credits at the end of the epoch (or now, for the current one).
    pub credits: u64,
    /// Credits at the end of the previous epoch it voted in.
    pub prev_credits: u64,
}

impl EpochCredits {
    /// Credits earned in this epoch.
    pub fn earned(&self) -> u64 {
        self.credits.saturating_sub(self.prev_credits)
    }
}

impl<'a> VoteAccount<'a> {
    /// Reads a vote account's data.
    pub fn decode(data: &'a [u8]) -> Result<Self, VoteAccountError> {
        let mut reader = Reader { data, at: 0 };
        let tag = reader.u32()?;
        let version = match tag {
            1 => VoteVersion::V1_14_11,
            2 => VoteVersion::V3,
            3 => VoteVersion::V4,
            // An account the vote program has not initialized is all zeroes.
            0 => return Err(VoteAccountError::Uninitialized),
            other => return Err(VoteAccountError::UnsupportedVersion(other)),
        };
        let node = reader.pubkey()?;
        let mut account = VoteAccount {
            version,
            node,
            inflation_commission_bps: 0,
            block_revenue_commission_bps: FULL_BPS,
            has_bls_key: false,
            last_voted_slot: None,
            root_slot: None,
            epoch_credits: &[],
        };
        // authorized_withdrawer
        reader.skip(PUBKEY)?;
        let vote_len = match version {
            VoteVersion::V4 => {
                // inflation and block-revenue collectors
                reader.skip(2 * PUBKEY)?;
                account.inflation_commission_bps = reader.u16()?;
                account.block_revenue_commission_bps = reader.u16()?;
                // pending_delegator_rewards
                reader.skip(8)?;
                account.has_bls_key = reader.option()?;
                if account.has_bls_key {
                    reader.skip(BLS_KEY)?;
                }
                13
            }
            VoteVersion::V1_14_11 | VoteVersion::V3 => {
                let percent = reader.u8()?;
                account.inflation_commission_bps = u16::from(percent.min(100)).saturating_mul(100);
                if version == VoteVersion::V3 {
                    13
                } else {
                    12
                }
            }
        };
        let votes = reader.length(MAX_VOTES)?;
        if votes > 0 {
            // A landed vote is its latency (u8) then the lockout: slot u64, confirmations u32.
            let last = votes.saturating_sub(1).saturating_mul(vote_len);
            reader.skip(last)?;
            if vote_len == 13 {
                reader.skip(1)?;
            }
            account.last_voted_slot = Some(reader.u64()?);
            reader.skip(4)?;
        }
        if reader.option()? {
            account.root_slot = Some(reader.u64()?);
        }
        let voters = reader.length(u64::MAX)?;
        if voters == 0 {
            return Err(VoteAccountError::Uninitialized);
        }
        reader.skip(voters.saturating_mul(AUTHORIZED_VOTER))?;
        if version != VoteVersion::V4 {
            reader.skip(PRIOR_VOTERS)?;
        }
        let entries = reader.length(MAX_EPOCH_CREDITS)?;
        account.epoch_credits = reader.take(entries.saturating_mul(EPOCH_CREDITS_ENTRY))?;
        // last_timestamp: slot and unix time
        reader.skip(16)?;
        Ok(account)
    }

    /// The credit history, oldest first (at most 64 epochs).
    pub fn epoch_credits(&self) -> impl DoubleEndedIterator<Item = EpochCredits> + 'a {
        self.epoch_credits
            .chunks_exact(EPOCH_CREDITS_ENTRY)
            .map(|entry| EpochCredits {
                epoch: read_u64(&entry[0..8]),
                credits: read_u64(&entry[8..16]),
                prev_credits: read_u64(&entry[16..24]),
            })
    }

    /// Credits earned in `epoch` (zero if it did not vote then).
    pub fn credits_in(&self, epoch: u64) -> u64 {
        self.epoch_credits()
            .rev()
            .find(|entry| entry.epoch == epoch)
            .map_or(0, |entry| entry.earned())
    }
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], VoteAccountError> {
        let end = self
            .at
            .checked_add(len)
            .ok_or(VoteAccountError::Truncated)?;
        let bytes = self
            .data
            .get(self.at..end)
            .ok_or(VoteAccountError::Truncated)?;
        self.at = end;
        Ok(bytes)
    }

    fn skip(&mut self, len: usize) -> Result<(), VoteAccountError> {
        self.take(len).map(|_| ())
    }

    fn u8(&mut self) -> Result<u8, VoteAccountError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, VoteAccountError> {
        let bytes = self.take(2)?;
        Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
    }

    fn u32(&mut self) -> Result<u32, VoteAccountError> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn u64(&mut self) -> Result<u64, VoteAccountError> {
        Ok(read_u64(self.take(8)?))
    }

    fn pubkey(&mut self) -> Result<[u8; 32], VoteAccountError> {
        let mut key = [0; 32];
        key.copy_from_slice(self.take(PUBKEY)?);
        Ok(key)
    }

    /// A bincode `Option` tag.
    fn option(&mut self) -> Result<bool, VoteAccountError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(VoteAccountError::Malformed),
        }
    }

    /// A bincode collection length (u64), at most `max` and no longer than the bytes left
    /// could hold (so a hostile length never becomes a huge skip).
    fn length(&mut self, max: u64) -> Result<usize, VoteAccountError> {
        let len = self.u64()?;
        if len > max {
            return Err(VoteAccountError::Malformed);
        }
        usize::try_from(len).map_err(|_| VoteAccountError::Malformed)
    }
}

fn read_u64(bytes: &[u8]) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}
