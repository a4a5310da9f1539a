//! What a decision uses, from standard RPC methods only, so anyone can reproduce it:
//!
//! - `getEpochInfo`: the epoch, the slot and the epoch's length;
//! - `getVoteAccounts`: every staked vote account and its active stake this epoch (the
//!   cluster's total is their sum);
//! - `getMultipleAccounts`: the vote accounts' bytes, decoded by the strategy crate;
//! - `getInflationReward`: the commission each vote account's rewards were paid at, for every
//!   epoch of the credit window.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};
use p_stake_pool_strategy::criteria::ClusterClock;
use serde_json::{json, Value};
use solana_pubkey::Pubkey;

use crate::chain::Ctx;

/// The vote program.
pub const VOTE_PROGRAM_ID: Pubkey =
    Pubkey::from_str_const("Vote111111111111111111111111111111111111111");

/// One vote account as observed.
#[derive(Clone, Debug)]
pub struct Observed {
    pub vote: Pubkey,
    /// Its bytes, when an account owned by the vote program exists at the address.
    pub data: Option<Vec<u8>>,
    /// Why there are no bytes: no account, or one the vote program does not own (the
    /// strategy treats it as closed).
    pub missing: Option<String>,
    pub epoch_stake: u64,
    /// The highest commission its rewards were paid at in the window, and in which epoch.
    pub charged: Option<(u16, u64)>,
}

/// One epoch of `getInflationReward`.
#[derive(Clone, Debug)]
pub struct RewardEpoch {
    pub epoch: u64,
    /// Why the RPC could not answer for it (the node may not keep that block).
    pub unavailable: Option<String>,
}

/// Everything a decision uses from the cluster.
pub struct Observation {
    pub clock: ClusterClock,
    pub validators: Vec<Observed>,
    pub reward_epochs: Vec<RewardEpoch>,
}

impl Observation {
    pub fn json(&self) -> Value {
        json!({
            "epoch": self.clock.epoch,
            "slot": self.clock.slot,
            "slotsPerEpoch": self.clock.slots_per_epoch,
            "totalStake": self.clock.total_stake,
            "rewardEpochs": self.reward_epochs.iter().map(|reward| json!({
                "epoch": reward.epoch,
                "unavailable": reward.unavailable,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Addresses per `getInflationReward` call.
const REWARDS_PER_CALL: usize = 200;

/// Observes the cluster's staked vote accounts and `extra` (the pool's validators, the
/// addresses the strategy names) over a credit window of `credit_epochs`.
pub async fn observe(ctx: &Ctx, extra: &[Pubkey], credit_epochs: u16) -> Result<Observation> {
    let info = ctx.rpc.get_epoch_info().await?;
    let status = ctx
        .rpc
        .get_vote_accounts_with_commitment(ctx.commitment())
        .await?;
    let mut stakes: BTreeMap<Pubkey, u64> = BTreeMap::new();
    for account in status.current.iter().chain(&status.delinquent) {
        if let Ok(vote) = account.vote_pubkey.parse() {
            stakes.insert(vote, account.activated_stake);
        }
    }
    let total_stake = stakes.values().copied().fold(0u64, u64::saturating_add);
    let addresses: Vec<Pubkey> = stakes
        .keys()
        .copied()
        .chain(extra.iter().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut validators = Vec::with_capacity(addresses.len());
    for (vote, account) in addresses.iter().zip(ctx.accounts(&addresses).await?) {
        // "No account" makes a validator an instant exit: asked again on its own before it is
        // believed.
        let account = match account {
            Some(account) => Some(account),
            None => ctx.account(vote).await?,
        };
        let (data, missing) = match account {
            Some(account) if account.owner == VOTE_PROGRAM_ID => (Some(account.data), None),
            Some(account) => (
                None,
                Some(format!("not a vote account (owned by {})", account.owner)),
            ),
            None => (None, Some("no account at this address".to_string())),
        };
        validators.push(Observed {
            vote: *vote,
            data,
            missing,
            epoch_stake: stakes.get(vote).copied().unwrap_or(0),
            charged: None,
        });
    }
    let mut reward_epochs = Vec::new();
    let first = info.epoch.saturating_sub(u64::from(credit_epochs));
    for epoch in first..info.epoch {
        let mut unavailable = None;
        for (chunk_index, chunk) in addresses.chunks(REWARDS_PER_CALL).enumerate() {
            match ctx.rpc.get_inflation_reward(chunk, Some(epoch)).await {
                Ok(rewards) if rewards.len() != chunk.len() => {
                    bail!(
                        "getInflationReward answered {} rewards for {} addresses",
                        rewards.len(),
                        chunk.len()
                    );
                }
                Ok(rewards) => {
                    for (offset, reward) in rewards.into_iter().enumerate() {
                        let Some(reward) = reward else { continue };
                        let bps = reward
                            .commission_bps
                            .or(reward.commission.map(|percent| u16::from(percent) * 100));
                        let observed = &mut validators[chunk_index * REWARDS_PER_CALL + offset];
                        if let Some(bps) = bps {
                            if observed.charged.is_none_or(|(highest, _)| bps > highest) {
                                observed.charged = Some((bps, epoch));
                            }
                        }
                    }
                }
                Err(error) => {
                    unavailable = Some(format!("{error}"));
                    break;
                }
            }
        }
        reward_epochs.push(RewardEpoch { epoch, unavailable });
    }
    Ok(Observation {
        clock: ClusterClock {
            epoch: info.epoch,
            slot: info.absolute_slot,
            slots_per_epoch: info.slots_in_epoch,
            total_stake,
        },
        validators,
        reward_epochs,
    })
}
