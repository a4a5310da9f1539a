//! `strategy.toml`: the operator's criteria, allocation, pace of moves, lists and labels.
//! Every field of `[criteria]`, `[allocation]` and `[moves]` must be given (no silent
//! defaults for a policy that moves other people's stake) and an unknown field is an error.
//! The schema is documented in the README and `docs/strategy.example.toml`.

use std::{
    collections::{BTreeMap, HashMap},
    path::Path,
};

use anyhow::{anyhow, bail, Context, Result};
use p_stake_pool_strategy::{
    criteria::{Criteria, Listing},
    targets::{Allocation, Weighting},
    Strategy, StrategyError,
};
use serde::Deserialize;
use solana_pubkey::Pubkey;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StrategyFile {
    pub criteria: CriteriaFile,
    pub allocation: AllocationFile,
    pub moves: MovesFile,
    #[serde(default)]
    pub lists: ListsFile,
    #[serde(default)]
    pub labels: LabelsFile,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CriteriaFile {
    pub max_inflation_commission_bps: u16,
    pub max_block_revenue_commission_bps: u16,
    pub credit_epochs: u16,
    pub min_credit_share_bps: u16,
    pub max_slots_since_vote: u64,
    pub min_voting_epochs: u16,
    pub max_cluster_stake_bps: u16,
    pub require_bls_key: bool,
}

#[derive(Deserialize, Debug, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum WeightingFile {
    Equal,
    Score,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AllocationFile {
    pub validators: u32,
    pub incumbent_margin: u32,
    pub weighting: WeightingFile,
    pub max_pool_share_bps: u16,
    pub reserve_share_bps: u16,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MovesFile {
    pub max_epoch_move_bps: u16,
    pub hysteresis_bps: u16,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ListsFile {
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub block: Vec<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LabelsFile {
    /// Label → most of the pool its validators may hold together, in bps.
    #[serde(default)]
    pub caps: BTreeMap<String, u16>,
    /// Vote account → its labels.
    #[serde(default)]
    pub validators: BTreeMap<String, Vec<String>>,
}

/// A strategy file, read and checked.
#[derive(Debug)]
pub struct LoadedStrategy {
    pub file: StrategyFile,
    /// Label names, in bit order.
    pub label_names: Vec<String>,
    pub label_caps: Vec<u16>,
    pub listing: HashMap<Pubkey, Listing>,
    pub labels: HashMap<Pubkey, u64>,
}

fn address(text: &str, place: &str) -> Result<Pubkey> {
    text.parse()
        .map_err(|_| anyhow!("`{text}` in {place} is not an address"))
}

impl LoadedStrategy {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the strategy file {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("strategy file {}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self> {
        let file: StrategyFile = toml::from_str(text).map_err(|error| anyhow!("{error}"))?;
        let mut listing = HashMap::new();
        for text in &file.lists.allow {
            listing.insert(address(text, "[lists] allow")?, Listing::Allowed);
        }
        for text in &file.lists.block {
            let vote = address(text, "[lists] block")?;
            if listing.insert(vote, Listing::Blocked).is_some() {
                bail!("{vote} is both allowed and blocked in [lists]");
            }
        }
        if file.labels.caps.len() > 64 {
            bail!("more than 64 labels in [labels.caps]");
        }
        let label_names: Vec<String> = file.labels.caps.keys().cloned().collect();
        let label_caps: Vec<u16> = file.labels.caps.values().copied().collect();
        let mut labels = HashMap::new();
        for (vote, names) in &file.labels.validators {
            let vote = address(vote, "[labels.validators]")?;
            let mut bits = 0u64;
            for name in names {
                let bit = label_names
                    .iter()
                    .position(|known| known == name)
                    .ok_or_else(|| {
                        anyhow!("label `{name}` of {vote} has no cap in [labels.caps]")
                    })?;
                bits |= 1 << bit;
            }
            labels.insert(vote, bits);
        }
        let loaded = Self {
            file,
            label_names,
            label_caps,
            listing,
            labels,
        };
        loaded.policy().validate().map_err(|error| match error {
            StrategyError::ShareAbove100Percent(name) => {
                anyhow!("{name} is above 100% (10,000 bps)")
            }
            StrategyError::NoSeats => {
                anyhow!("[allocation] validators is 0: the pool would stake with no one")
            }
            StrategyError::NoCreditWindow => {
                anyhow!("[criteria] credit-epochs is 0: credits need a window of epochs")
            }
            StrategyError::TooManyLabels => anyhow!("more than 64 labels in [labels.caps]"),
        })?;
        Ok(loaded)
    }

    /// The strategy crate's view of the file.
    pub fn policy(&self) -> Strategy<'_> {
        let criteria = &self.file.criteria;
        let allocation = &self.file.allocation;
        Strategy {
            criteria: Criteria {
                max_inflation_commission_bps: criteria.max_inflation_commission_bps,
                max_block_revenue_commission_bps: criteria.max_block_revenue_commission_bps,
                credit_epochs: criteria.credit_epochs,
                min_credit_share_bps: criteria.min_credit_share_bps,
                max_slots_since_vote: criteria.max_slots_since_vote,
                min_voting_epochs: criteria.min_voting_epochs,
                max_cluster_stake_bps: criteria.max_cluster_stake_bps,
                require_bls_key: criteria.require_bls_key,
            },
            allocation: Allocation {
                validators: allocation.validators,
                incumbent_margin: allocation.incumbent_margin,
                weighting: match allocation.weighting {
                    WeightingFile::Equal => Weighting::Equal,
                    WeightingFile::Score => Weighting::Score,
                },
                max_pool_share_bps: allocation.max_pool_share_bps,
                reserve_share_bps: allocation.reserve_share_bps,
                label_caps_bps: &self.label_caps,
            },
            max_epoch_move_bps: self.file.moves.max_epoch_move_bps,
            hysteresis_bps: self.file.moves.hysteresis_bps,
        }
    }

    pub fn allow_list_active(&self) -> bool {
        !self.file.lists.allow.is_empty()
    }

    /// Every address the file names (lists and labels).
    pub fn named(&self) -> Vec<Pubkey> {
        let mut named: Vec<Pubkey> = self
            .listing
            .keys()
            .chain(self.labels.keys())
            .copied()
            .collect();
        named.sort();
        named.dedup();
        named
    }

    /// The names of the labels set in `bits`.
    pub fn label_list(&self, bits: u64) -> Vec<String> {
        self.label_names
            .iter()
            .enumerate()
            .filter(|(bit, _)| bits & (1 << bit) != 0)
            .map(|(_, name)| name.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../docs/strategy.example.toml");

    #[test]
    fn the_example_in_the_repository_is_valid() {
        let loaded = LoadedStrategy::parse(EXAMPLE).unwrap();
        assert!(!loaded.label_names.is_empty());
    }

    fn without(line_start: &str) -> String {
        EXAMPLE
            .lines()
            .filter(|line| !line.starts_with(line_start))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let missing = LoadedStrategy::parse(&without("credit-epochs")).unwrap_err();
        assert!(
            format!("{missing:#}").contains("missing field `credit-epochs`"),
            "{missing:#}"
        );
        let unknown = EXAMPLE.replace("\n[moves]\n", "\n[moves]\nmax-moves = 3\n");
        let unknown = LoadedStrategy::parse(&unknown).unwrap_err();
        assert!(
            format!("{unknown:#}").contains("unknown field `max-moves`"),
            "{unknown:#}"
        );
        let over = EXAMPLE.replace("max-pool-share-bps = 500", "max-pool-share-bps = 10500");
        let over = LoadedStrategy::parse(&over).unwrap_err();
        assert!(format!("{over:#}").contains("above 100%"), "{over:#}");
        let no_seats = EXAMPLE.replace("validators = ", "validators = 0 #");
        let no_seats = LoadedStrategy::parse(&no_seats).unwrap_err();
        assert!(
            format!("{no_seats:#}").contains("validators is 0"),
            "{no_seats:#}"
        );
    }
}
