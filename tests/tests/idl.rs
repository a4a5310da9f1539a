//! The Codama IDL (`idl/p_stake_pool.json`) against the Rust interface and the reference: every
//! instruction's tag, account list (count, writable and signer flags, fixed addresses) as the
//! `spl-stake-pool` 2.2.0 builders (and this project's client, for the ticket pair) produce it,
//! fixed data sizes, account layouts and sizes, PDA seeds and error codes. The TypeScript tests
//! run every instruction the IDL describes against the `.so`; this file ties the IDL to the
//! crates the program is built from.

use std::collections::BTreeMap;

use p_stake_pool_interface::{
    error::log_line,
    instruction::tag,
    pda,
    state::{stake_pool::STAKE_POOL_LEN, ticket::TICKET_LEN, validator_list::ENTRY_LEN},
};
use serde_json::Value;
use solana_sdk::{instruction::Instruction, pubkey::Pubkey};
use spl_stake_pool::{
    instruction as spl,
    state::{Fee, FeeType, ValidatorList},
};

fn idl() -> Value {
    // The checkout being run (build caches are shared between clones).
    let path = format!(
        "{}/../idl/p_stake_pool.json",
        p_stake_pool_tests::manifest_dir()
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("idl/p_stake_pool.json")).unwrap()
}

fn program(idl: &Value) -> &Value {
    &idl["program"]
}

fn instructions(idl: &Value) -> BTreeMap<String, &Value> {
    program(idl)["instructions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap().to_string(), i))
        .collect()
}

/// Distinct addresses for builder arguments.
fn key(n: u8) -> Pubkey {
    Pubkey::new_from_array([n; 32])
}

fn fee() -> Fee {
    Fee {
        numerator: 1,
        denominator: 100,
    }
}

/// The IDL's discriminator for an instruction.
fn discriminator(instruction: &Value) -> u64 {
    let argument = &instruction["arguments"][0];
    assert_eq!(argument["name"], "discriminator");
    argument["defaultValue"]["number"].as_u64().unwrap()
}

/// Size of a fixed-size IDL type; None when it varies (options, strings, vectors).
fn fixed_size(idl: &Value, node: &Value, largest: bool) -> Option<usize> {
    match node["kind"].as_str().unwrap() {
        "numberTypeNode" => Some(match node["format"].as_str().unwrap() {
            "u8" | "i8" => 1,
            "u16" | "i16" => 2,
            "u32" | "i32" => 4,
            "u64" | "i64" => 8,
            other => panic!("number format {other}"),
        }),
        "booleanTypeNode" => Some(1),
        "publicKeyTypeNode" => Some(32),
        "fixedSizeTypeNode" => Some(node["size"].as_u64().unwrap() as usize),
        "optionTypeNode" if largest => {
            Some(fixed_size(idl, &node["prefix"], true)? + fixed_size(idl, &node["item"], true)?)
        }
        "structTypeNode" => node["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| fixed_size(idl, &f["type"], largest))
            .sum(),
        "tupleTypeNode" => node["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| fixed_size(idl, t, largest))
            .sum(),
        "enumTypeNode" => {
            let sizes: Vec<usize> = node["variants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| match v["kind"].as_str().unwrap() {
                    "enumEmptyVariantTypeNode" => Some(0),
                    "enumTupleVariantTypeNode" => fixed_size(idl, &v["tuple"], largest),
                    other => panic!("variant {other}"),
                })
                .collect::<Option<_>>()?;
            let payload = *sizes.iter().max().unwrap();
            if !largest && sizes.iter().any(|&s| s != payload) {
                return None;
            }
            Some(fixed_size(idl, &node["size"], largest)? + payload)
        }
        "definedTypeLinkNode" => {
            let name = node["name"].as_str().unwrap();
            let defined = program(idl)["definedTypes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == name)
                .unwrap_or_else(|| panic!("type {name}"));
            fixed_size(idl, &defined["type"], largest)
        }
        _ => None,
    }
}

/// Checks the IDL instruction `name` describes `built` exactly: tag, accounts (count,
/// writable, signer, fixed addresses) and, for fixed-size arguments, the data length.
fn check(idl: &Value, name: &str, built: &Instruction) {
    let all = instructions(idl);
    let instruction = all
        .get(name)
        .unwrap_or_else(|| panic!("{name} is not in the IDL"));
    assert_eq!(
        built.data[0] as u64,
        discriminator(instruction),
        "{name}: tag"
    );
    let accounts: Vec<&Value> = instruction["accounts"].as_array().unwrap().iter().collect();
    let required = accounts.iter().filter(|a| a["isOptional"] != true).count();
    assert!(
        built.accounts.len() >= required && built.accounts.len() <= accounts.len(),
        "{name}: {} accounts built, the IDL has {required} required of {}",
        built.accounts.len(),
        accounts.len()
    );
    for (index, (meta, account)) in built.accounts.iter().zip(&accounts).enumerate() {
        let account_name = account["name"].as_str().unwrap();
        assert_eq!(
            meta.is_writable,
            account["isWritable"] == true,
            "{name}.{account_name} (#{index}): writable"
        );
        match &account["isSigner"] {
            Value::Bool(signer) => assert_eq!(
                meta.is_signer, *signer,
                "{name}.{account_name} (#{index}): signer"
            ),
            Value::String(either) => assert_eq!(either, "either"),
            other => panic!("{name}.{account_name}: isSigner {other}"),
        }
        if account["defaultValue"]["kind"] == "publicKeyValueNode" {
            assert_eq!(
                meta.pubkey.to_string(),
                account["defaultValue"]["publicKey"].as_str().unwrap(),
                "{name}.{account_name} (#{index}): fixed address"
            );
        }
    }
    let arguments = instruction["arguments"].as_array().unwrap();
    let sizes: Option<usize> = arguments
        .iter()
        .map(|a| fixed_size(idl, &a["type"], false))
        .sum();
    if let Some(size) = sizes {
        assert_eq!(built.data.len(), size, "{name}: data length");
    }
}

#[test]
fn idl_instructions_match_the_reference_builders() {
    let idl = idl();
    let p = &spl_stake_pool::id();
    let [pool, staker, manager, authority, list, reserve, mint, fee_account, stake, transient, ephemeral, vote, user, tokens, referrer] =
        std::array::from_fn::<Pubkey, 15, _>(|i| key(i as u8 + 1));
    // The IDL's default token program (a pool may name Token-2022 instead).
    let token = spl_token_interface::id();
    check(
        &idl,
        "initialize",
        &spl::initialize(
            p,
            &pool,
            &manager,
            &staker,
            &authority,
            &list,
            &reserve,
            &mint,
            &fee_account,
            &token,
            Some(key(99)),
            fee(),
            fee(),
            fee(),
            10,
            100,
        ),
    );
    check(
        &idl,
        "initialize",
        &spl::initialize(
            p,
            &pool,
            &manager,
            &staker,
            &authority,
            &list,
            &reserve,
            &mint,
            &fee_account,
            &token,
            None,
            fee(),
            fee(),
            fee(),
            10,
            100,
        ),
    );
    check(
        &idl,
        "addValidatorToPool",
        &spl::add_validator_to_pool(
            p, &pool, &staker, &reserve, &authority, &list, &stake, &vote, None,
        ),
    );
    check(
        &idl,
        "removeValidatorFromPool",
        &spl::remove_validator_from_pool(p, &pool, &staker, &authority, &list, &stake, &transient),
    );
    #[allow(deprecated)]
    let legacy = spl::decrease_validator_stake(
        p, &pool, &staker, &authority, &list, &stake, &transient, 5, 1,
    );
    check(&idl, "decreaseValidatorStake", &legacy);
    check(
        &idl,
        "decreaseAdditionalValidatorStake",
        &spl::decrease_additional_validator_stake(
            p, &pool, &staker, &authority, &list, &reserve, &stake, &ephemeral, &transient, 5, 1, 2,
        ),
    );
    check(
        &idl,
        "decreaseValidatorStakeWithReserve",
        &spl::decrease_validator_stake_with_reserve(
            p, &pool, &staker, &authority, &list, &reserve, &stake, &transient, 5, 1,
        ),
    );
    check(
        &idl,
        "increaseValidatorStake",
        &spl::increase_validator_stake(
            p, &pool, &staker, &authority, &list, &reserve, &transient, &stake, &vote, 5, 1,
        ),
    );
    check(
        &idl,
        "increaseAdditionalValidatorStake",
        &spl::increase_additional_validator_stake(
            p, &pool, &staker, &authority, &list, &reserve, &ephemeral, &transient, &stake, &vote,
            5, 1, 2,
        ),
    );
    #[allow(deprecated)]
    let redelegate = spl::redelegate(
        p,
        &pool,
        &staker,
        &authority,
        &list,
        &reserve,
        &stake,
        &transient,
        &ephemeral,
        &key(50),
        &key(51),
        &vote,
        5,
        1,
        2,
        3,
    );
    check(&idl, "redelegate", &redelegate);
    check(
        &idl,
        "setPreferredValidator",
        &spl::set_preferred_validator(
            p,
            &pool,
            &staker,
            &list,
            spl::PreferredValidatorType::Withdraw,
            Some(vote),
        ),
    );
    #[allow(deprecated)]
    let update = spl::update_validator_list_balance(
        p,
        &pool,
        &authority,
        &list,
        &reserve,
        &ValidatorList::new(10),
        &[],
        0,
        false,
    );
    check(&idl, "updateValidatorListBalance", &update);
    check(
        &idl,
        "updateStakePoolBalance",
        &spl::update_stake_pool_balance(
            p,
            &pool,
            &authority,
            &list,
            &reserve,
            &fee_account,
            &mint,
            &token,
        ),
    );
    check(
        &idl,
        "cleanupRemovedValidatorEntries",
        &spl::cleanup_removed_validator_entries(p, &pool, &list),
    );
    for (name, slippage) in [
        ("depositStake", None),
        ("depositStakeWithSlippage", Some(7)),
    ] {
        let built = match slippage {
            None => spl::deposit_stake_with_authority(
                p,
                &pool,
                &list,
                &key(60),
                &authority,
                &key(61),
                &user,
                &stake,
                &reserve,
                &tokens,
                &fee_account,
                &referrer,
                &mint,
                &token,
            ),
            Some(minimum) => spl::deposit_stake_with_authority_and_slippage(
                p,
                &pool,
                &list,
                &key(60),
                &authority,
                &key(61),
                &user,
                &stake,
                &reserve,
                &tokens,
                &fee_account,
                &referrer,
                &mint,
                &token,
                minimum,
            ),
        };
        check(&idl, name, built.last().unwrap());
    }
    check(
        &idl,
        "withdrawStake",
        &spl::withdraw_stake(
            p,
            &pool,
            &list,
            &authority,
            &stake,
            &key(70),
            &user,
            &key(71),
            &tokens,
            &fee_account,
            &mint,
            &token,
            5,
        ),
    );
    check(
        &idl,
        "withdrawStakeWithSlippage",
        &spl::withdraw_stake_with_slippage(
            p,
            &pool,
            &list,
            &authority,
            &stake,
            &key(70),
            &user,
            &key(71),
            &tokens,
            &fee_account,
            &mint,
            &token,
            5,
            4,
        ),
    );
    check(
        &idl,
        "setManager",
        &spl::set_manager(p, &pool, &manager, &key(80), &key(81)),
    );
    check(
        &idl,
        "setFee",
        &spl::set_fee(p, &pool, &manager, FeeType::SolReferral(3)),
    );
    check(
        &idl,
        "setStaker",
        &spl::set_staker(p, &pool, &manager, &key(82)),
    );
    check(
        &idl,
        "setFundingAuthority",
        &spl::set_funding_authority(
            p,
            &pool,
            &manager,
            Some(&key(83)),
            spl::FundingType::SolDeposit,
        ),
    );
    check(
        &idl,
        "setFundingAuthority",
        &spl::set_funding_authority(p, &pool, &manager, None, spl::FundingType::SolWithdraw),
    );
    check(
        &idl,
        "depositSol",
        &spl::deposit_sol(
            p,
            &pool,
            &authority,
            &reserve,
            &user,
            &tokens,
            &fee_account,
            &referrer,
            &mint,
            &token,
            5,
        ),
    );
    check(
        &idl,
        "depositSol",
        &spl::deposit_sol_with_authority(
            p,
            &pool,
            &key(84),
            &authority,
            &reserve,
            &user,
            &tokens,
            &fee_account,
            &referrer,
            &mint,
            &token,
            5,
        ),
    );
    check(
        &idl,
        "depositSolWithSlippage",
        &spl::deposit_sol_with_authority_and_slippage(
            p,
            &pool,
            &key(84),
            &authority,
            &reserve,
            &user,
            &tokens,
            &fee_account,
            &referrer,
            &mint,
            &token,
            5,
            4,
        ),
    );
    check(
        &idl,
        "withdrawSol",
        &spl::withdraw_sol(
            p,
            &pool,
            &authority,
            &user,
            &tokens,
            &reserve,
            &key(85),
            &fee_account,
            &mint,
            &token,
            5,
        ),
    );
    check(
        &idl,
        "withdrawSolWithSlippage",
        &spl::withdraw_sol_with_authority_and_slippage(
            p,
            &pool,
            &key(86),
            &authority,
            &user,
            &tokens,
            &reserve,
            &key(85),
            &fee_account,
            &mint,
            &token,
            5,
            4,
        ),
    );
    check(
        &idl,
        "createTokenMetadata",
        &spl::create_token_metadata(
            p,
            &pool,
            &manager,
            &mint,
            &key(87),
            "n".into(),
            "s".into(),
            "u".into(),
        ),
    );
    check(
        &idl,
        "updateTokenMetadata",
        &spl::update_token_metadata(
            p,
            &pool,
            &manager,
            &mint,
            "n".into(),
            "s".into(),
            "u".into(),
        ),
    );

    // The ticket pair is this program's: its accounts come from the project's client.
    let accounts = p_stake_pool_client::PoolAccounts {
        program_id: *p,
        stake_pool: pool,
        validator_list: list,
        reserve_stake: reserve,
        pool_mint: mint,
        manager_fee_account: fee_account,
        token_program_id: token,
    };
    check(
        &idl,
        "requestUnstake",
        &p_stake_pool_client::request_unstake(
            &accounts,
            &stake,
            &key(90),
            &user,
            &user,
            &tokens,
            &user,
            5,
            4,
        ),
    );
    check(
        &idl,
        "claimUnstake",
        &p_stake_pool_client::claim_unstake(&accounts, &key(90), &user, &key(91), None),
    );
    check(
        &idl,
        "claimUnstake",
        &p_stake_pool_client::claim_unstake(&accounts, &key(90), &key(92), &key(91), Some(&user)),
    );
}

#[test]
fn idl_tags_are_the_interface_tags() {
    let idl = idl();
    let expected: BTreeMap<&str, u8> = [
        ("initialize", tag::INITIALIZE),
        ("addValidatorToPool", tag::ADD_VALIDATOR_TO_POOL),
        ("removeValidatorFromPool", tag::REMOVE_VALIDATOR_FROM_POOL),
        ("decreaseValidatorStake", tag::DECREASE_VALIDATOR_STAKE),
        ("increaseValidatorStake", tag::INCREASE_VALIDATOR_STAKE),
        ("setPreferredValidator", tag::SET_PREFERRED_VALIDATOR),
        (
            "updateValidatorListBalance",
            tag::UPDATE_VALIDATOR_LIST_BALANCE,
        ),
        ("updateStakePoolBalance", tag::UPDATE_STAKE_POOL_BALANCE),
        (
            "cleanupRemovedValidatorEntries",
            tag::CLEANUP_REMOVED_VALIDATOR_ENTRIES,
        ),
        ("depositStake", tag::DEPOSIT_STAKE),
        ("withdrawStake", tag::WITHDRAW_STAKE),
        ("setManager", tag::SET_MANAGER),
        ("setFee", tag::SET_FEE),
        ("setStaker", tag::SET_STAKER),
        ("depositSol", tag::DEPOSIT_SOL),
        ("setFundingAuthority", tag::SET_FUNDING_AUTHORITY),
        ("withdrawSol", tag::WITHDRAW_SOL),
        ("createTokenMetadata", tag::CREATE_TOKEN_METADATA),
        ("updateTokenMetadata", tag::UPDATE_TOKEN_METADATA),
        (
            "increaseAdditionalValidatorStake",
            tag::INCREASE_ADDITIONAL_VALIDATOR_STAKE,
        ),
        (
            "decreaseAdditionalValidatorStake",
            tag::DECREASE_ADDITIONAL_VALIDATOR_STAKE,
        ),
        (
            "decreaseValidatorStakeWithReserve",
            tag::DECREASE_VALIDATOR_STAKE_WITH_RESERVE,
        ),
        ("redelegate", tag::REDELEGATE),
        ("depositStakeWithSlippage", tag::DEPOSIT_STAKE_WITH_SLIPPAGE),
        (
            "withdrawStakeWithSlippage",
            tag::WITHDRAW_STAKE_WITH_SLIPPAGE,
        ),
        ("depositSolWithSlippage", tag::DEPOSIT_SOL_WITH_SLIPPAGE),
        ("withdrawSolWithSlippage", tag::WITHDRAW_SOL_WITH_SLIPPAGE),
        ("requestUnstake", tag::REQUEST_UNSTAKE),
        ("claimUnstake", tag::CLAIM_UNSTAKE),
    ]
    .into_iter()
    .collect();
    let described: BTreeMap<&str, u8> = instructions(&idl)
        .iter()
        .map(|(name, i)| {
            (
                expected
                    .get_key_value(name.as_str())
                    .map(|(k, _)| *k)
                    .unwrap_or_else(|| panic!("unexpected instruction {name}")),
                discriminator(i) as u8,
            )
        })
        .collect();
    assert_eq!(described, expected);
}

#[test]
fn idl_errors_are_the_interface_errors() {
    let idl = idl();
    let errors = program(&idl)["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 48);
    for error in errors {
        let code = error["code"].as_u64().unwrap() as u32;
        let name = error["name"].as_str().unwrap();
        let pascal = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
        assert_eq!(log_line(code), format!("Error: {pascal}"), "error {code}");
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
}

#[test]
fn idl_layouts_have_the_interface_sizes() {
    let idl = idl();
    let account = |name: &str| {
        program(&idl)["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap()
            .clone()
    };
    // The pool at its largest (every option set): the size it is allocated at.
    assert_eq!(
        fixed_size(&idl, &account("stakePool")["data"], true),
        Some(STAKE_POOL_LEN)
    );
    assert_eq!(
        fixed_size(&idl, &account("unstakeTicket")["data"], false),
        Some(TICKET_LEN)
    );
    assert_eq!(
        account("unstakeTicket")["size"].as_u64(),
        Some(TICKET_LEN as u64)
    );
    let entry = serde_json::json!({ "kind": "definedTypeLinkNode", "name": "validatorStakeInfo" });
    assert_eq!(fixed_size(&idl, &entry, false), Some(ENTRY_LEN));
    // The list header is the account type and max validators, then the vector's u32 count.
    let list = account("validatorList");
    let fields = list["data"]["fields"].as_array().unwrap();
    assert_eq!(fields[2]["type"]["count"]["prefix"]["format"], "u32");
    // A real pool, decoded by the reference's Borsh types, round-trips through the layout
    // sizes above in tests/tests/side_by_side.rs; here the sizes themselves are pinned.
}

#[test]
fn idl_seeds_are_the_interface_seeds() {
    let idl = idl();
    let constant = |pda: &str| -> Vec<String> {
        program(&idl)["pdas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == pda)
            .unwrap()["seeds"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "constantPdaSeedNode")
            .map(|s| s["value"]["string"].as_str().unwrap().to_string())
            .collect()
    };
    let text = |seed: &[u8]| String::from_utf8(seed.to_vec()).unwrap();
    assert_eq!(
        constant("withdrawAuthority"),
        [text(pda::AUTHORITY_WITHDRAW)]
    );
    assert_eq!(constant("depositAuthority"), [text(pda::AUTHORITY_DEPOSIT)]);
    assert_eq!(constant("transientStake"), [text(pda::TRANSIENT_STAKE)]);
    assert_eq!(constant("ephemeralStake"), [text(pda::EPHEMERAL_STAKE)]);
    assert_eq!(constant("unstakeTicket"), [text(pda::UNSTAKE_TICKET)]);
    assert!(constant("validatorStake").is_empty());
    // Seed order: each PDA derived the IDL's way (its seeds in order) is the reference's.
    let derive = |pda: &str, values: &[(&str, Vec<u8>)]| -> Pubkey {
        let node = program(&idl)["pdas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == pda)
            .unwrap()
            .clone();
        let seeds: Vec<Vec<u8>> = node["seeds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|seed| match seed["kind"].as_str().unwrap() {
                "constantPdaSeedNode" => seed["value"]["string"]
                    .as_str()
                    .unwrap()
                    .as_bytes()
                    .to_vec(),
                _ => values
                    .iter()
                    .find(|(name, _)| *name == seed["name"])
                    .unwrap_or_else(|| panic!("{pda}: seed {}", seed["name"]))
                    .1
                    .clone(),
            })
            .collect();
        let slices: Vec<&[u8]> = seeds.iter().map(Vec::as_slice).collect();
        Pubkey::find_program_address(&slices, &spl_stake_pool::id()).0
    };
    let program_id = spl_stake_pool::id();
    let (pool, vote, stake) = (key(7), key(8), key(9));
    let pool_seed = ("stakePool", pool.to_bytes().to_vec());
    let vote_seed = ("voteAccount", vote.to_bytes().to_vec());
    assert_eq!(
        derive("withdrawAuthority", std::slice::from_ref(&pool_seed)),
        spl_stake_pool::find_withdraw_authority_program_address(&program_id, &pool).0
    );
    assert_eq!(
        derive("depositAuthority", std::slice::from_ref(&pool_seed)),
        spl_stake_pool::find_deposit_authority_program_address(&program_id, &pool).0
    );
    assert_eq!(
        derive("validatorStake", &[vote_seed.clone(), pool_seed.clone()]),
        spl_stake_pool::find_stake_program_address(&program_id, &vote, &pool, None).0
    );
    assert_eq!(
        derive(
            "validatorStakeWithSeed",
            &[
                vote_seed.clone(),
                pool_seed.clone(),
                ("seed", 5u32.to_le_bytes().to_vec())
            ]
        ),
        spl_stake_pool::find_stake_program_address(
            &program_id,
            &vote,
            &pool,
            std::num::NonZeroU32::new(5)
        )
        .0
    );
    assert_eq!(
        derive(
            "transientStake",
            &[
                vote_seed.clone(),
                pool_seed.clone(),
                ("seed", 9u64.to_le_bytes().to_vec())
            ]
        ),
        spl_stake_pool::find_transient_stake_program_address(&program_id, &vote, &pool, 9).0
    );
    assert_eq!(
        derive(
            "ephemeralStake",
            &[pool_seed.clone(), ("seed", 3u64.to_le_bytes().to_vec())]
        ),
        spl_stake_pool::find_ephemeral_stake_program_address(&program_id, &pool, 3).0
    );
    assert_eq!(
        derive(
            "unstakeTicket",
            &[pool_seed, ("stakeAccount", stake.to_bytes().to_vec())]
        ),
        p_stake_pool_client::find_ticket(&program_id, &pool, &stake).0
    );
}
