//! Writes the live pool of `tests/src/fuzz.rs` as a snapshot for the coverage-guided fuzzer
//! (`fuzz/`): every account the instruction templates and hostile substitutes name, the
//! sysvars, the templates themselves and the keys that may sign. The snapshot is committed as
//! `fuzz/corpus/live-pool.json`; regenerate it with
//!
//!     cargo run -p p-stake-pool-tests --example fuzz_snapshot -- fuzz/corpus/live-pool.json
//!
//! (with `P_STAKE_POOL_SO_DIR` pointing at the build the snapshot is taken with).

use std::collections::BTreeSet;

use p_stake_pool_tests::{
    fuzz::{current_templates, live_pool},
    *,
};
use serde_json::{json, Value};
use solana_sdk::{pubkey::Pubkey, signer::Signer};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::main]
async fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: fuzz_snapshot <output.json>");
    let mut live = live_pool().await;

    let (receiver, templates) = current_templates(&mut live.env, &live.keys).await;

    let mut addresses: BTreeSet<Pubkey> = live.hostile.iter().copied().collect();
    addresses.extend(live.watched.iter().copied());
    addresses.insert(receiver.pubkey());
    for template in &templates {
        addresses.extend(template.instruction.accounts.iter().map(|m| m.pubkey));
    }
    let mut accounts = Vec::new();
    for address in &addresses {
        if let Some(account) = live.env.account(address).await {
            if account.executable {
                continue; // programs come from their ELFs, not the snapshot
            }
            accounts.push(json!({
                "address": address.to_string(),
                "lamports": account.lamports,
                "owner": account.owner.to_string(),
                "data": hex(&account.data),
            }));
        }
    }
    let banks = &mut live.env.ctx.banks_client;
    let clock = banks
        .get_sysvar::<solana_sdk::clock::Clock>()
        .await
        .unwrap();
    let rent = banks.get_rent().await.unwrap();
    let schedule = banks
        .get_sysvar::<solana_sdk::epoch_schedule::EpochSchedule>()
        .await
        .unwrap();
    // Raw sysvar bytes (bincode: u64 count, then epoch, effective, activating, deactivating).
    let history = banks
        .get_account(p_stake_pool_client::STAKE_HISTORY_SYSVAR_ID)
        .await
        .unwrap()
        .unwrap()
        .data;
    let snapshot: Value = json!({
        "program_id": PROGRAM_ID.to_string(),
        "pools": [
            {
                "stake_pool": live.keys.pool.stake_pool.pubkey().to_string(),
                "validator_list": live.keys.pool.validator_list.pubkey().to_string(),
                "reserve_stake": live.keys.pool.reserve_stake.to_string(),
                "pool_mint": live.keys.pool.pool_mint.pubkey().to_string(),
            },
            {
                "stake_pool": live.keys.other.stake_pool.pubkey().to_string(),
                "validator_list": live.keys.other.validator_list.pubkey().to_string(),
                "reserve_stake": live.keys.other.reserve_stake.to_string(),
                "pool_mint": live.keys.other.pool_mint.pubkey().to_string(),
            },
        ],
        "clock": {
            "slot": clock.slot,
            "epoch_start_timestamp": clock.epoch_start_timestamp,
            "epoch": clock.epoch,
            "leader_schedule_epoch": clock.leader_schedule_epoch,
            "unix_timestamp": clock.unix_timestamp,
        },
        "rent": {
            "lamports_per_byte": rent.lamports_per_byte,
        },
        "epoch_schedule": {
            "slots_per_epoch": schedule.slots_per_epoch,
            "leader_schedule_slot_offset": schedule.leader_schedule_slot_offset,
            "warmup": schedule.warmup,
            "first_normal_epoch": schedule.first_normal_epoch,
            "first_normal_slot": schedule.first_normal_slot,
        },
        "stake_history": hex(&history),
        // The receiver is a fresh keypair of the user's: it may sign (a ticket's stake does).
        "signers": live
            .keypairs
            .keys()
            .chain([&receiver.pubkey()])
            .map(|k| k.to_string())
            .collect::<BTreeSet<_>>(),
        "hostile": live.hostile.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
        "templates": templates.iter().map(|t| json!({
            "name": t.name,
            "accounts": t.instruction.accounts.iter().map(|m| json!({
                "address": m.pubkey.to_string(),
                "signer": m.is_signer,
                "writable": m.is_writable,
            })).collect::<Vec<_>>(),
            "data": hex(&t.instruction.data),
        })).collect::<Vec<_>>(),
        "accounts": accounts,
    });
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&snapshot).unwrap() + "\n",
    )
    .unwrap();
    println!(
        "wrote {path}: {} accounts, {} templates",
        snapshot["accounts"].as_array().unwrap().len(),
        templates.len()
    );
}
