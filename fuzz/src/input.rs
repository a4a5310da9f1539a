//! Fuzz inputs (one instruction: a template's index, data and accounts), their mutations and
//! their corpus files (JSON, named by content hash).

use std::{
    collections::hash_map::DefaultHasher,
    hash::{Hash, Hasher},
    path::{Path, PathBuf},
    str::FromStr,
};

use serde_json::{json, Value};
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use crate::snapshot::{unhex, Snapshot, Template};

/// xorshift64*: small and deterministic, so a campaign is reproducible from its seed.
pub struct Random(u64);

impl Random {
    pub fn new(seed: u64) -> Self {
        // Any seed but zero (xorshift's fixed point).
        Self(seed ^ 0x2545_F491_4F6C_DD1D)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Clone, Hash)]
pub struct Input {
    pub template: usize,
    pub data: Vec<u8>,
    /// (address, signer, writable)
    pub accounts: Vec<(Pubkey, bool, bool)>,
}

/// Values that sit on boundaries of the program's arithmetic and checks.
const INTERESTING: [u64; 10] = [
    0,
    1,
    2,
    u64::MAX,
    u64::MAX - 1,
    u64::MAX / 2,
    1 << 32,
    1_000_000_000,
    999_999_999,
    1_000_000_001,
];

impl Input {
    pub fn from_template((index, template): (usize, &Template)) -> Self {
        Self {
            template: index,
            data: template.data.clone(),
            accounts: template
                .accounts
                .iter()
                .map(|m| (m.pubkey, m.signer, m.writable))
                .collect(),
        }
    }

    /// The instruction this input sends. Only keys the attacker (or the pool's own
    /// authorities, for their instructions) hold can sign: any other "signer" is a plain account.
    pub fn instruction(&self, snapshot: &Snapshot) -> Instruction {
        Instruction {
            program_id: snapshot.program_id,
            accounts: self
                .accounts
                .iter()
                .map(|&(pubkey, signer, writable)| AccountMeta {
                    pubkey,
                    is_signer: signer && snapshot.signers.contains(&pubkey),
                    is_writable: writable,
                })
                .collect(),
            data: self.data.clone(),
        }
    }

    pub fn mutate(&self, rng: &mut Random, other: &Input, snapshot: &Snapshot) -> Input {
        let mut child = self.clone();
        for _ in 0..1 + rng.below(3) {
            if rng.below(2) == 0 {
                child.mutate_data(rng, other);
            } else {
                child.mutate_accounts(rng, other, snapshot);
            }
        }
        child
    }

    fn mutate_data(&mut self, rng: &mut Random, other: &Input) {
        let data = &mut self.data;
        match rng.below(9) {
            0 => data.truncate(rng.below(data.len() + 1)),
            1 => {
                for _ in 0..1 + rng.below(12) {
                    data.push(rng.next() as u8);
                }
            }
            2 if !data.is_empty() => {
                let at = rng.below(data.len());
                data[at] ^= 1 << rng.below(8);
            }
            3 if data.len() > 1 => {
                // A little-endian u64 field set to a boundary value.
                let at = 1 + rng.below(data.len() - 1);
                let value = INTERESTING[rng.below(INTERESTING.len())].to_le_bytes();
                let end = (at + 8).min(data.len());
                data[at..end].copy_from_slice(&value[..end - at]);
            }
            4 if data.len() > 1 => {
                // Scale an amount: the same field times or divided by a small factor.
                let at = 1 + rng.below(data.len() - 1);
                if at + 8 <= data.len() {
                    let value = u64::from_le_bytes(data[at..at + 8].try_into().unwrap());
                    let factor = 1 + rng.below(1000) as u64;
                    let scaled = if rng.below(2) == 0 {
                        value.saturating_mul(factor)
                    } else {
                        value / factor
                    };
                    data[at..at + 8].copy_from_slice(&scaled.to_le_bytes());
                }
            }
            5 if !data.is_empty() => data[0] = rng.below(32) as u8,
            6 => {
                // Splice: this input's head, another's tail.
                let cut = rng.below(data.len() + 1);
                let from = rng.below(other.data.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other.data[from..]);
            }
            7 => *data = other.data.clone(),
            _ => *data = (0..rng.below(48)).map(|_| rng.next() as u8).collect(),
        }
    }

    fn mutate_accounts(&mut self, rng: &mut Random, other: &Input, snapshot: &Snapshot) {
        let accounts = &mut self.accounts;
        if accounts.is_empty() {
            accounts.push((
                snapshot.hostile[rng.below(snapshot.hostile.len())],
                false,
                true,
            ));
            return;
        }
        let n = accounts.len();
        match rng.below(8) {
            0 => accounts.swap(rng.below(n), rng.below(n)),
            1 => {
                let (from, to) = (rng.below(n), rng.below(n));
                accounts[to].0 = accounts[from].0;
            }
            2 | 3 => accounts[rng.below(n)].0 = snapshot.hostile[rng.below(snapshot.hostile.len())],
            4 => accounts.truncate(rng.below(n)),
            5 => accounts.push((
                snapshot.hostile[rng.below(snapshot.hostile.len())],
                false,
                rng.below(2) == 0,
            )),
            6 => {
                // Flags: writable freely, signer (only honoured for keys that can sign).
                let at = rng.below(n);
                if rng.below(2) == 0 {
                    accounts[at].2 = !accounts[at].2;
                } else {
                    accounts[at].1 = !accounts[at].1;
                }
            }
            _ => {
                // Another input's accounts (with this one's data).
                if !other.accounts.is_empty() {
                    *accounts = other.accounts.clone();
                }
            }
        }
    }

    /// Accounts are stored as indexes into the snapshot's universe (see `Snapshot`).
    fn to_json(&self, snapshot: &Snapshot) -> Value {
        let index = |key: &Pubkey| {
            snapshot
                .universe
                .iter()
                .position(|k| k == key)
                .map_or_else(|| json!(key.to_string()), |i| json!(i))
        };
        json!({
            "template": self.template,
            "data": self.data.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "accounts": self.accounts.iter().map(|(k, s, w)| json!([index(k), s, w])).collect::<Vec<_>>(),
        })
    }

    fn from_json(value: &Value, snapshot: &Snapshot) -> Option<Self> {
        let key = |v: &Value| match v {
            Value::Number(n) => snapshot.universe.get(n.as_u64()? as usize).copied(),
            Value::String(s) => Pubkey::from_str(s).ok(),
            _ => None,
        };
        Some(Self {
            template: value["template"].as_u64()? as usize,
            data: unhex(value["data"].as_str()?),
            accounts: value["accounts"]
                .as_array()?
                .iter()
                .map(|a| Some((key(&a[0])?, a[1].as_bool()?, a[2].as_bool()?)))
                .collect::<Option<_>>()?,
        })
    }

    /// Writes the input to `dir` (named by its content) and returns the path.
    pub fn save(&self, dir: &Path, snapshot: &Snapshot) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let mut hasher = DefaultHasher::new();
        self.hash(&mut hasher);
        let path = dir.join(format!("{:016x}.json", hasher.finish()));
        std::fs::write(&path, self.to_json(snapshot).to_string() + "\n").unwrap();
        path
    }

    /// Every input in `dir` (sorted, so replays are in a fixed order).
    pub fn load_dir(dir: &Path, snapshot: &Snapshot) -> Vec<Input> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default();
        paths.retain(|p| p.extension().is_some_and(|e| e == "json"));
        paths.sort();
        paths
            .iter()
            .filter_map(|p| {
                let text = std::fs::read_to_string(p).ok()?;
                Input::from_json(&serde_json::from_str(&text).ok()?, snapshot)
            })
            .collect()
    }
}
