//! The bank every suite runs in is the runtime the pool will meet: mainnet-beta's feature set
//! (or every feature, under `P_STAKE_POOL_FEATURES=all`), the stake and token programs mainnet
//! runs, and a program binary that runs with mainnet's stack-frame gaps.

use std::collections::HashSet;

use agave_feature_set::FEATURE_NAMES;
use p_stake_pool_tests::*;
use solana_loader_v3_interface::state::UpgradeableLoaderState;
use solana_sdk::pubkey::Pubkey;

#[tokio::test]
async fn bank_runs_the_selected_feature_profile() {
    let env = start().await;
    let profile = FeatureProfile::from_env();
    let mut inactive: HashSet<Pubkey> = profile.inactive().into_iter().collect();
    // A test genesis never switches consensus to Alpenglow, even with every other feature on
    // (solana-runtime's genesis_utils skips it).
    inactive.insert(agave_feature_set::alpenglow::id());
    let mut wrong: Vec<String> = FEATURE_NAMES
        .iter()
        .filter(|(id, _)| env.ctx.is_active(id) == inactive.contains(id))
        .map(|(id, name)| format!("{id} {name}: active = {}", env.ctx.is_active(id)))
        .collect();
    wrong.sort();
    assert!(wrong.is_empty(), "under {profile:?}:\n{}", wrong.join("\n"));
    if profile == FeatureProfile::Mainnet {
        // The facts that decide how the pool runs on mainnet today.
        let active = |id: Pubkey| env.ctx.is_active(&id);
        assert!(!active(
            agave_feature_set::virtual_address_space_adjustments::id()
        ));
        assert!(active(
            agave_feature_set::enable_sbpf_v3_deployment_and_execution::id()
        ));
        assert!(!active(
            agave_feature_set::disable_sbpf_v0_v1_v2_deployment::id()
        ));
        assert!(active(agave_feature_set::validator_admission_ticket::id()));
        assert!(active(
            agave_feature_set::bls_pubkey_management_in_vote_account::id()
        ));
        assert!(active(agave_feature_set::vote_state_v4::id()));
        assert!(!active(
            agave_feature_set::stake_raise_minimum_delegation_to_1_sol::id()
        ));
        assert!(!active(
            agave_feature_set::increase_tx_account_lock_limit::id()
        ));
    }
}

#[test]
fn mainnet_feature_list_is_known_to_the_pinned_agave() {
    let active = FeatureProfile::mainnet_active();
    assert!(active.len() >= 250, "{} mainnet features", active.len());
    // `inactive` refuses a list with ids this agave does not know.
    let inactive = FeatureProfile::Mainnet.inactive();
    assert_eq!(active.len() + inactive.len(), FEATURE_NAMES.len());
}

/// sha256 of the program binaries mainnet runs, as bundled by solana-program-binaries 4.2.2
/// (the files `core_bpf_stake-5.1.0.so` and `spl_p_token-1.0.0.so`).
const CORE_BPF_STAKE_5_1_0: &str =
    "3d2d39c596ce8be2d47816b4ee5db9fc759d80fde54b08c930ad0b6daed64c2c";
const P_TOKEN_1_0_0: &str = "8190d3f7ceb6cb7a7a8d8924bff89f9f611e15ce1f806f2b6237f3311a98f697";

async fn program_elf_sha256(env: &mut Env, program: &Pubkey) -> String {
    let account = env.account(program).await.expect("program account");
    assert_eq!(
        account.owner, LOADER_V3,
        "{program} is not a loader-v3 program"
    );
    assert!(account.executable);
    let programdata = solana_loader_v3_interface::get_program_data_address(program);
    let data = env.account(&programdata).await.expect("programdata").data;
    let metadata = UpgradeableLoaderState::size_of_programdata_metadata();
    let hash = solana_sha256_hasher::hashv(&[&data[metadata..]]);
    hash.to_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn bank_runs_mainnet_stake_and_token_programs() {
    let mut env = start().await;
    // The stake program is the Core BPF stake program 5.1.0 (mainnet upgraded to it with
    // `upgrade_bpf_stake_program_to_v5_1`), not the old builtin.
    assert_eq!(
        program_elf_sha256(&mut env, &solana_stake_interface::program::id()).await,
        CORE_BPF_STAKE_5_1_0
    );
    // The token program is p-token 1.0.0 (`replace_spl_token_with_p_token`).
    assert_eq!(
        program_elf_sha256(&mut env, &spl_token_interface::id()).await,
        P_TOKEN_1_0_0
    );
}

#[test]
fn built_program_never_touches_a_stack_gap() {
    let so = format!("{}/p_stake_pool.so", deploy_dir());
    let output = std::process::Command::new("python3")
        .arg(format!("{}/../scripts/check-sbf.py", manifest_dir()))
        .arg(&so)
        .output()
        .expect("python3 runs scripts/check-sbf.py");
    assert!(
        output.status.success(),
        "{so}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `tests/fixtures/stack_args_v0.so`: this program at commit bcd6071, built by the same
/// pipeline before its calls were limited to five machine arguments. Its entrypoint passes a
/// sixth argument on the stack (`scripts/check-sbf.py` finds 116 such stores).
const STACK_ARGS_PROGRAM: Pubkey =
    solana_sdk::pubkey!("StackArgs1111111111111111111111111111111111");

#[tokio::test]
async fn mainnet_profile_has_stack_frame_gaps() {
    let mut env = start_with_fixtures(&[("stack_args_v0.so", STACK_ARGS_PROGRAM)]).await;
    // Tag 0xFF is no instruction: a program that gets to its dispatch refuses it cleanly.
    let instruction =
        solana_sdk::instruction::Instruction::new_with_bytes(STACK_ARGS_PROGRAM, &[0xFF], vec![]);
    let measured = env.measure_failure(&[instruction], &[]).await;
    let faulted = measured
        .logs
        .iter()
        .any(|line| line.contains("Access violation in stack frame"));
    let gaps = !env
        .ctx
        .is_active(&agave_feature_set::virtual_address_space_adjustments::id());
    // With gaps (mainnet today) the stack-passed argument faults before any program logic;
    // without them the same binary reaches its dispatch and refuses the tag.
    assert_eq!(faulted, gaps, "{:#?}", measured.logs);
    assert_eq!(gaps, FeatureProfile::from_env() == FeatureProfile::Mainnet);
}
