//! The live pool the fuzzer starts every execution from (written by
//! `tests/examples/fuzz_snapshot.rs`), and the mollusk instance that runs the program in it
//! with mainnet-beta's feature set and the programs mainnet runs (Core BPF stake 5.1.0,
//! p-token 1.0.0, from `solana-program-binaries`).

use std::{
    collections::{HashMap, HashSet},
    path::Path,
    str::FromStr,
};

use mollusk_svm::{program::ProgramCache, Mollusk};
use p_stake_pool_interface::state::{stake_pool::StakePoolHeader, validator_list::ValidatorList};
use serde_json::Value;
use solana_account::{Account, ReadableAccount};
use solana_pubkey::Pubkey;
use solana_sdk_ids::{bpf_loader_upgradeable, stake, system_program, sysvar};

use crate::coverage::Coverage;

pub struct Meta {
    pub pubkey: Pubkey,
    pub signer: bool,
    pub writable: bool,
}

pub struct Template {
    pub name: String,
    pub accounts: Vec<Meta>,
    pub data: Vec<u8>,
}

/// A pool's accounts, for its invariants.
pub struct PoolKeys {
    pub stake_pool: Pubkey,
    validator_list: Pubkey,
    reserve_stake: Pubkey,
    pool_mint: Pubkey,
    reserve_rent: u64,
}

/// A pool's books: what it records and what it holds.
pub struct Books {
    pub total: u64,
    pub supply: u64,
    pub mint_supply: u64,
    pub assets: u64,
}

impl PoolKeys {
    pub fn books(&self, account: &dyn Fn(&Pubkey) -> Option<Account>) -> Option<Books> {
        let pool = account(&self.stake_pool)?;
        let header = StakePoolHeader::load(&pool.data).ok()?;
        let mut list_data = account(&self.validator_list)?.data;
        let list = ValidatorList::load(&mut list_data).ok()?;
        let entries = list.entries(0, list.len() as usize).ok()?;
        let staked: u64 = entries
            .iter()
            .map(|v| v.active_stake_lamports() + v.transient_stake_lamports())
            .sum();
        let reserve = account(&self.reserve_stake)?.lamports;
        let mint = account(&self.pool_mint)?;
        let mint_supply = u64::from_le_bytes(mint.data.get(36..44)?.try_into().ok()?);
        Some(Books {
            total: header.total_lamports(),
            supply: header.pool_token_supply(),
            mint_supply,
            assets: reserve.saturating_sub(self.reserve_rent) + staked,
        })
    }
}

pub struct Snapshot {
    pub program_id: Pubkey,
    accounts: HashMap<Pubkey, Account>,
    pub pools: Vec<PoolKeys>,
    pub signers: HashSet<Pubkey>,
    /// Accounts a mutation may substitute: another pool's, programs, sysvars, unknown keys.
    pub hostile: Vec<Pubkey>,
    pub templates: Vec<Template>,
    /// Every address the templates and substitutes name, in a fixed order: corpus inputs
    /// name accounts by their index here, so they keep their meaning when the snapshot is
    /// regenerated with fresh keys.
    pub universe: Vec<Pubkey>,
    json: Value,
}

fn key(value: &Value) -> Pubkey {
    Pubkey::from_str(value.as_str().expect("address")).expect("base58 address")
}

pub fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

impl Snapshot {
    pub fn load(path: &Path) -> Self {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let json: Value = serde_json::from_str(&text).expect("snapshot JSON");
        let accounts: HashMap<Pubkey, Account> = json["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    key(&a["address"]),
                    Account {
                        lamports: a["lamports"].as_u64().unwrap(),
                        data: unhex(a["data"].as_str().unwrap()),
                        owner: key(&a["owner"]),
                        executable: false,
                        rent_epoch: u64::MAX,
                    },
                )
            })
            .collect();
        let lamports_per_byte = json["rent"]["lamports_per_byte"].as_u64().unwrap();
        let reserve_rent =
            solana_rent::Rent::with_lamports_per_byte(lamports_per_byte).minimum_balance(200);
        let pools = json["pools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| PoolKeys {
                stake_pool: key(&p["stake_pool"]),
                validator_list: key(&p["validator_list"]),
                reserve_stake: key(&p["reserve_stake"]),
                pool_mint: key(&p["pool_mint"]),
                reserve_rent,
            })
            .collect();
        let templates: Vec<Template> = json["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| Template {
                name: t["name"].as_str().unwrap().to_string(),
                accounts: t["accounts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| Meta {
                        pubkey: key(&m["address"]),
                        signer: m["signer"].as_bool().unwrap(),
                        writable: m["writable"].as_bool().unwrap(),
                    })
                    .collect(),
                data: unhex(t["data"].as_str().unwrap()),
            })
            .collect();
        let hostile: Vec<Pubkey> = json["hostile"]
            .as_array()
            .unwrap()
            .iter()
            .map(key)
            .collect();
        let mut universe: Vec<Pubkey> = Vec::new();
        for address in templates
            .iter()
            .flat_map(|t: &Template| t.accounts.iter().map(|m| m.pubkey))
            .chain(hostile.iter().copied())
        {
            if !universe.contains(&address) {
                universe.push(address);
            }
        }
        Self {
            program_id: key(&json["program_id"]),
            signers: json["signers"]
                .as_array()
                .unwrap()
                .iter()
                .map(key)
                .collect(),
            hostile,
            universe,
            accounts,
            pools,
            templates,
            json,
        }
    }

    pub fn account(&self, key: &Pubkey) -> Option<&Account> {
        self.accounts.get(key)
    }

    pub fn template_name(&self, index: usize) -> &str {
        self.templates
            .get(index)
            .map_or("(none)", |t| t.name.as_str())
    }

    /// The account an instruction names, as the chain would hold it.
    pub fn account_for(&self, mollusk: &Mollusk, key: &Pubkey) -> Account {
        if let Some(account) = self.accounts.get(key) {
            return account.clone();
        }
        let sysvars = &mollusk.sysvars;
        let keyed = match *key {
            k if k == sysvar::clock::id() => Some(sysvars.keyed_account_for_clock_sysvar()),
            k if k == sysvar::rent::id() => Some(sysvars.keyed_account_for_rent_sysvar()),
            k if k == sysvar::stake_history::id() => {
                Some(sysvars.keyed_account_for_stake_history_sysvar())
            }
            k if k == sysvar::epoch_schedule::id() => {
                Some(sysvars.keyed_account_for_epoch_schedule_sysvar())
            }
            k if k == sysvar::epoch_rewards::id() => {
                Some(sysvars.keyed_account_for_epoch_rewards_sysvar())
            }
            k if k == system_program::id() => {
                Some(mollusk_svm::program::keyed_account_for_system_program())
            }
            _ => None,
        };
        if let Some((_, account)) = keyed {
            return account;
        }
        if *key == self.program_id
            || *key == stake::id()
            || *key == token_program()
            || *key == metadata_program()
        {
            return mollusk_svm::program::create_program_account_loader_v3(key);
        }
        Account::default()
    }

    /// Mollusk with the snapshot's sysvars, `features` (mainnet's unless `all`) and the
    /// programs: the pool from `so`, the stake and token programs mainnet runs.
    pub fn mollusk(&self, so: &Path, coverage: &Coverage, all_features: bool) -> Mollusk {
        let mut mollusk = Mollusk::default();
        let features = if all_features {
            agave_feature_set::FeatureSet::all_enabled()
        } else {
            mainnet_features()
        };
        mollusk.feature_set = features.runtime_features();
        let elf = std::fs::read(so).unwrap_or_else(|e| panic!("{}: {e}", so.display()));
        // Register tracing is baked into the program runtime environment: the coverage
        // signal. solana-sbpf 0.21 cannot load an SBPF v3 ELF (e_flags 3) with the debugging
        // features tracing needs (it looks for section names a v3 ELF does not carry), so a
        // v3 build runs untraced: the corpus (found on v0) and the mutations still run, with
        // every property checked, but no new coverage is found.
        let v3 = elf.get(48..52) == Some(&3u32.to_le_bytes()[..]);
        if v3 {
            println!("note: SBPF v3 build: no register trace, so no coverage signal");
        }
        mollusk.program_cache =
            ProgramCache::new(&mollusk.feature_set, &mollusk.compute_budget, !v3);
        mollusk
            .program_cache
            .add_program(&self.program_id, &bpf_loader_upgradeable::id(), &elf);
        let rent = mollusk.sysvars.rent.clone();
        for program in [stake::id(), token_program()] {
            let accounts = solana_program_binaries::by_id(&program, &rent)
                .unwrap_or_else(|| panic!("no binary for {program}"));
            let programdata = &accounts.last().unwrap().1;
            // Program data: the 45-byte loader-v3 header, then the ELF.
            mollusk.program_cache.add_program(
                &program,
                &bpf_loader_upgradeable::id(),
                &programdata.data()[45..],
            );
        }
        // The Metaplex program the token-metadata instructions call (the fixture the
        // spl-stake-pool 2.2.0 package ships for its own tests).
        let metaplex =
            std::fs::read(crate::crate_dir().join("../tests/fixtures/mpl_token_metadata.so"))
                .expect("tests/fixtures/mpl_token_metadata.so");
        mollusk.program_cache.add_program(
            &metadata_program(),
            &bpf_loader_upgradeable::id(),
            &metaplex,
        );
        mollusk.invocation_inspect_callback = coverage.callback();

        let clock = &self.json["clock"];
        mollusk.sysvars.clock = solana_clock::Clock {
            slot: clock["slot"].as_u64().unwrap(),
            epoch_start_timestamp: clock["epoch_start_timestamp"].as_i64().unwrap(),
            epoch: clock["epoch"].as_u64().unwrap(),
            leader_schedule_epoch: clock["leader_schedule_epoch"].as_u64().unwrap(),
            unix_timestamp: clock["unix_timestamp"].as_i64().unwrap(),
        };
        mollusk.sysvars.rent = solana_rent::Rent::with_lamports_per_byte(
            self.json["rent"]["lamports_per_byte"].as_u64().unwrap(),
        );
        let schedule = &self.json["epoch_schedule"];
        mollusk.sysvars.epoch_schedule = solana_epoch_schedule::EpochSchedule {
            slots_per_epoch: schedule["slots_per_epoch"].as_u64().unwrap(),
            leader_schedule_slot_offset: schedule["leader_schedule_slot_offset"].as_u64().unwrap(),
            warmup: schedule["warmup"].as_bool().unwrap(),
            first_normal_epoch: schedule["first_normal_epoch"].as_u64().unwrap(),
            first_normal_slot: schedule["first_normal_slot"].as_u64().unwrap(),
        };
        // Stake history sysvar bytes: u64 count, then (epoch, effective, activating, deactivating).
        let history = unhex(self.json["stake_history"].as_str().unwrap());
        let word = |i: usize| u64::from_le_bytes(history[i * 8..i * 8 + 8].try_into().unwrap());
        let mut stake_history = solana_stake_history::StakeHistory::default();
        for entry in (0..word(0) as usize).rev() {
            let at = 1 + entry * 4;
            stake_history.add(
                word(at),
                solana_stake_history::StakeHistoryEntry {
                    effective: word(at + 1),
                    activating: word(at + 2),
                    deactivating: word(at + 3),
                },
            );
        }
        mollusk.sysvars.stake_history = stake_history;
        mollusk
    }
}

fn metadata_program() -> Pubkey {
    Pubkey::from_str("metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s").unwrap()
}

fn token_program() -> Pubkey {
    Pubkey::from_str("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA").unwrap()
}

/// Mainnet-beta's active features (`tests/data/mainnet-features.tsv`: slot, name, id).
fn mainnet_features() -> agave_feature_set::FeatureSet {
    let path = crate::crate_dir().join("../tests/data/mainnet-features.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut features = agave_feature_set::FeatureSet::default();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        features.activate(
            &Pubkey::from_str(fields[2]).unwrap(),
            fields[0].parse().unwrap(),
        );
    }
    features
}
