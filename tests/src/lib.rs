//! Test harness: one solana-program-test bank holding both the built p-stake-pool `.so` and
//! the SPL stake pool 2.2.0 native processor (the oracle), plus helpers to create pools,
//! users and token accounts, send transactions, measure compute units and cross epochs.

pub mod twin;

use p_stake_pool_client::PoolAccounts;
use solana_program_test::{processor, BanksClientError, ProgramTest, ProgramTestContext};
use solana_sdk::{
    account::Account,
    instruction::{Instruction, InstructionError},
    program_pack::Pack,
    pubkey::Pubkey,
    signature::{Keypair, Signer},
    transaction::{Transaction, TransactionError},
};
use spl_stake_pool::state::Fee;

/// Where tests deploy p-stake-pool (also in Anchor.toml).
pub const PROGRAM_ID: Pubkey =
    Pubkey::from_str_const("3RhSDGkhgg6rqD1ccgEKfnYPb7pXhvCyWyGTFhhKxvvw");
/// Where the SPL oracle runs (its canonical id).
pub const SPL_PROGRAM_ID: Pubkey = spl_stake_pool::id();
/// The Metaplex token metadata program.
pub const MPL_TOKEN_METADATA_ID: Pubkey =
    solana_sdk::pubkey!("metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s");
pub const STAKE_POOL_LEN: usize = 611;
pub const STAKE_ACCOUNT_LEN: usize = 200;
pub const LAMPORTS_PER_SOL: u64 = 1_000_000_000;

/// Directory holding `p_stake_pool.so` (built by scripts/build-sbf.sh).
pub fn deploy_dir() -> String {
    std::env::var("P_STAKE_POOL_SO_DIR")
        .unwrap_or_else(|_| format!("{}/../target/deploy", manifest_dir()))
}

/// The tests crate's directory in the checkout being run. The runtime CARGO_MANIFEST_DIR wins
/// over the compile-time one: build caches are shared between clones, so a cached binary may
/// have been compiled in another checkout.
pub fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
}

/// A bank with both programs loaded.
pub async fn start() -> Env {
    let so = format!("{}/p_stake_pool.so", deploy_dir());
    assert!(
        std::path::Path::new(&so).exists(),
        "{so} is missing: run scripts/build-sbf.sh first"
    );
    std::env::set_var("SBF_OUT_DIR", deploy_dir());
    let mut program_test = ProgramTest::default();
    // Validator admission tickets (SIMD-0357, not active on mainnet) drop vote accounts
    // without a BLS key from reward distribution; with it on, no test vote account could earn
    // the inflation rewards the pool is about.
    program_test.deactivate_feature(agave_feature_set::validator_admission_ticket::id());
    program_test.prefer_bpf(true);
    program_test.add_program("p_stake_pool", PROGRAM_ID, None);
    // The oracle runs natively: only its processor exists, no .so.
    program_test.prefer_bpf(false);
    program_test.add_program(
        "spl_stake_pool",
        SPL_PROGRAM_ID,
        processor!(spl_stake_pool::processor::Processor::process),
    );
    // Metaplex token metadata, for CreateTokenMetadata/UpdateTokenMetadata: the binary the
    // spl-stake-pool 2.2.0 package ships for its own tests (copied to tests/fixtures).
    let metadata_program =
        std::fs::read(format!("{}/fixtures/mpl_token_metadata.so", manifest_dir()))
            .expect("tests/fixtures/mpl_token_metadata.so");
    program_test.add_account(
        MPL_TOKEN_METADATA_ID,
        Account {
            lamports: LAMPORTS_PER_SOL,
            data: metadata_program,
            owner: solana_sdk::bpf_loader::id(),
            executable: true,
            rent_epoch: 0,
        },
    );
    let ctx = program_test.start_with_context().await;
    Env {
        ctx,
        key_counter: None,
    }
}

/// The bank and its payer.
pub struct Env {
    pub ctx: ProgramTestContext,
    /// When set, pool and vote keys come from a counter instead of the OS random source, so
    /// PDA bump searches (and the CU they cost) are the same on every run.
    key_counter: Option<u64>,
}

/// Result of a simulated transaction: compute units in total, inside inner programs, logs.
#[derive(Debug, Clone)]
pub struct Measured {
    pub total: u64,
    pub inner: u64,
    pub logs: Vec<String>,
}

impl Measured {
    /// The program's own compute units: everything not spent inside the programs it invoked.
    pub fn own(&self) -> u64 {
        self.total - self.inner
    }
}

/// Sums "consumed" reports of invocations deeper than the top level.
pub fn inner_compute_units(logs: &[String]) -> u64 {
    let mut depth = 0usize;
    let mut inner = 0u64;
    for line in logs {
        if line.contains(" invoke [") {
            depth += 1;
        } else if let Some(rest) = line.strip_prefix("Program ") {
            if let Some(position) = rest.find(" consumed ") {
                if depth >= 2 {
                    let units: u64 = rest[position + 10..]
                        .split_whitespace()
                        .next()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    inner += units;
                }
            } else if rest.ends_with(" success") || rest.contains(" failed") {
                depth = depth.saturating_sub(1);
            }
        }
    }
    inner
}

impl Env {
    /// From now on, pool and vote account keys are deterministic (for benchmarks).
    pub fn deterministic_keys(&mut self) {
        self.key_counter = Some(0);
    }

    /// A fresh keypair: random, or the next deterministic one.
    pub fn new_keypair(&mut self) -> Keypair {
        match &mut self.key_counter {
            Some(counter) => {
                *counter += 1;
                let mut secret = [0x5a; 32];
                secret[..8].copy_from_slice(&counter.to_le_bytes());
                Keypair::new_from_array(secret)
            }
            None => Keypair::new(),
        }
    }

    pub fn payer(&self) -> Keypair {
        self.ctx.payer.insecure_clone()
    }

    /// Sends one transaction signed by the payer and `signers`.
    pub async fn send(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), BanksClientError> {
        let transaction = self.transaction(instructions, signers).await;
        self.ctx.banks_client.process_transaction(transaction).await
    }

    async fn transaction(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Transaction {
        let blockhash = self.ctx.banks_client.get_latest_blockhash().await.unwrap();
        let payer = self.payer();
        let mut all: Vec<&Keypair> = vec![&payer];
        all.extend_from_slice(signers);
        Transaction::new_signed_with_payer(instructions, Some(&payer.pubkey()), &all, blockhash)
    }

    /// Simulates and reports compute units (the state does not change).
    pub async fn measure(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Measured {
        let transaction = self.transaction(instructions, signers).await;
        let simulation = self
            .ctx
            .banks_client
            .simulate_transaction(transaction)
            .await
            .unwrap();
        let details = simulation.simulation_details.unwrap();
        if let Some(Err(error)) = simulation.result {
            panic!("simulation failed: {error:?}\n{:#?}", details.logs);
        }
        Measured {
            total: details.units_consumed,
            inner: inner_compute_units(&details.logs),
            logs: details.logs,
        }
    }

    /// The stake program's current minimum delegation (asked the way programs ask it).
    pub async fn stake_minimum_delegation(&mut self) -> u64 {
        let ix = solana_stake_interface::instruction::get_minimum_delegation();
        let transaction = self.transaction(&[ix], &[]).await;
        let simulation = self
            .ctx
            .banks_client
            .simulate_transaction(transaction)
            .await
            .unwrap();
        let data = simulation
            .simulation_details
            .unwrap()
            .return_data
            .expect("the stake program returns its minimum delegation")
            .data;
        u64::from_le_bytes(data.try_into().unwrap())
    }

    /// Like `measure`, for transactions expected to fail: the compute units spent up to the
    /// failure.
    pub async fn measure_failure(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Measured {
        let transaction = self.transaction(instructions, signers).await;
        let simulation = self
            .ctx
            .banks_client
            .simulate_transaction(transaction)
            .await
            .unwrap();
        assert!(
            matches!(simulation.result, Some(Err(_))),
            "expected the transaction to fail"
        );
        let details = simulation.simulation_details.unwrap();
        Measured {
            total: details.units_consumed,
            inner: inner_compute_units(&details.logs),
            logs: details.logs,
        }
    }

    pub async fn account(&mut self, address: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*address).await.unwrap()
    }

    pub async fn lamports(&mut self, address: &Pubkey) -> u64 {
        self.account(address).await.map(|a| a.lamports).unwrap_or(0)
    }

    pub async fn rent_exempt(&mut self, len: usize) -> u64 {
        self.ctx
            .banks_client
            .get_rent()
            .await
            .unwrap()
            .minimum_balance(len)
    }

    pub async fn epoch(&mut self) -> u64 {
        self.ctx
            .banks_client
            .get_sysvar::<solana_sdk::clock::Clock>()
            .await
            .unwrap()
            .epoch
    }

    /// Moves the bank to the first slot of the next epoch, where partitioned epoch rewards
    /// are still being paid (`EpochRewards::active`).
    pub async fn next_epoch_in_rewards_period(&mut self) {
        let epoch = self.epoch().await;
        self.ctx.warp_to_epoch(epoch + 1).unwrap();
    }

    /// Whether the bank is paying partitioned epoch rewards.
    pub async fn epoch_rewards_active(&mut self) -> bool {
        self.ctx
            .banks_client
            .get_sysvar::<solana_epoch_rewards::EpochRewards>()
            .await
            .unwrap()
            .active
    }

    /// Crosses into the next epoch and moves on, slot by slot, until the rewards period ends.
    pub async fn next_epoch(&mut self) {
        self.next_epoch_in_rewards_period().await;
        for _ in 0..64 {
            if !self.epoch_rewards_active().await {
                return;
            }
            let slot = self.ctx.banks_client.get_root_slot().await.unwrap();
            self.ctx.warp_to_slot(slot + 1).unwrap();
        }
        panic!("epoch rewards period did not end");
    }

    /// A vote account (node = a fresh identity) with `commission` percent, ready to earn
    /// credits with `ProgramTestContext::increment_vote_account_credits`.
    pub async fn create_vote_account(&mut self, commission: u8) -> Pubkey {
        let vote = self.new_keypair();
        let node = self.new_keypair();
        let payer = self.payer();
        let space = solana_vote_interface::state::VoteStateV4::size_of();
        let rent = self.rent_exempt(space).await;
        let instructions = solana_vote_interface::instruction::create_account_with_config(
            &payer.pubkey(),
            &vote.pubkey(),
            &solana_vote_interface::state::VoteInit {
                node_pubkey: node.pubkey(),
                authorized_voter: node.pubkey(),
                authorized_withdrawer: node.pubkey(),
                commission,
            },
            rent,
            solana_vote_interface::instruction::CreateVoteAccountConfig {
                space: space as u64,
                ..Default::default()
            },
        );
        self.send(&instructions, &[&vote, &node]).await.unwrap();
        vote.pubkey()
    }

    /// A stake account of `lamports` delegated to `vote`, with the payer as both authorities.
    pub async fn create_delegated_stake(&mut self, stake: &Keypair, vote: &Pubkey, lamports: u64) {
        let payer = self.payer();
        let instructions = solana_stake_interface::instruction::create_account_and_delegate_stake(
            &payer.pubkey(),
            &stake.pubkey(),
            vote,
            &solana_stake_interface::state::Authorized::auto(&payer.pubkey()),
            &solana_stake_interface::state::Lockup::default(),
            lamports,
        );
        self.send(&instructions, &[stake]).await.unwrap();
    }

    /// Credits votes to `vote` in the current epoch, so its delegators earn inflation rewards
    /// at the next epoch boundary.
    pub fn credit_votes(&mut self, vote: &Pubkey, credits: u64) {
        self.ctx.increment_vote_account_credits(vote, credits);
    }

    /// Token balance of a token account.
    pub async fn token_balance(&mut self, address: &Pubkey) -> u64 {
        let account = self.account(address).await.unwrap();
        spl_token_interface::state::Account::unpack_from_slice(&account.data[..165])
            .unwrap()
            .amount
    }

    pub async fn mint_supply(&mut self, mint: &Pubkey) -> u64 {
        let account = self.account(mint).await.unwrap();
        spl_token_interface::state::Mint::unpack_from_slice(&account.data[..82])
            .unwrap()
            .supply
    }

    /// Snapshot of accounts, to prove a failed instruction changed nothing.
    pub async fn snapshot(&mut self, addresses: &[Pubkey]) -> Vec<Option<Account>> {
        let mut accounts = Vec::new();
        for address in addresses {
            accounts.push(self.account(address).await);
        }
        accounts
    }

    /// A system account with `lamports`.
    pub async fn funded_keypair(&mut self, lamports: u64) -> Keypair {
        let keypair = Keypair::new();
        let payer = self.payer();
        self.send(
            &[solana_system_interface::instruction::transfer(
                &payer.pubkey(),
                &keypair.pubkey(),
                lamports,
            )],
            &[],
        )
        .await
        .unwrap();
        keypair
    }

    pub async fn transfer(&mut self, to: &Pubkey, lamports: u64) {
        let payer = self.payer();
        self.send(
            &[solana_system_interface::instruction::transfer(
                &payer.pubkey(),
                to,
                lamports,
            )],
            &[],
        )
        .await
        .unwrap();
    }

    /// Creates a legacy SPL Token mint.
    pub async fn create_mint(
        &mut self,
        mint: &Keypair,
        authority: &Pubkey,
        decimals: u8,
        freeze: Option<&Pubkey>,
    ) {
        self.create_mint_with(
            mint,
            authority,
            decimals,
            freeze,
            &spl_token_interface::id(),
            &[],
        )
        .await
    }

    /// Creates a mint on `token_program` (legacy Token or Token-2022) with Token-2022
    /// `extensions` initialized before the mint itself.
    pub async fn create_mint_with(
        &mut self,
        mint: &Keypair,
        authority: &Pubkey,
        decimals: u8,
        freeze: Option<&Pubkey>,
        token_program: &Pubkey,
        extensions: &[MintExtension],
    ) {
        use spl_token_2022_interface::{extension::ExtensionType, state::Mint};
        let types: Vec<ExtensionType> = extensions.iter().map(MintExtension::kind).collect();
        let len = ExtensionType::try_calculate_account_len::<Mint>(&types).unwrap();
        let payer = self.payer();
        let rent = self.rent_exempt(len).await;
        let mut instructions = vec![solana_system_interface::instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            rent,
            len as u64,
            token_program,
        )];
        for extension in extensions {
            instructions.push(extension.initialize(token_program, &mint.pubkey(), authority));
        }
        instructions.push(
            spl_token_2022_interface::instruction::initialize_mint2(
                token_program,
                &mint.pubkey(),
                authority,
                freeze,
                decimals,
            )
            .unwrap(),
        );
        self.send(&instructions, &[mint]).await.unwrap();
    }

    /// Creates a token account of `mint` (on whichever token program owns it), sized for the
    /// account extensions the mint requires, plus `extensions`; returns its address.
    pub async fn create_token_account_with(
        &mut self,
        mint: &Pubkey,
        owner: &Pubkey,
        extensions: &[spl_token_2022_interface::extension::ExtensionType],
    ) -> Pubkey {
        use spl_token_2022_interface::extension::{account_len, ExtensionType};
        let mint_account = self.account(mint).await.unwrap();
        let token_program = mint_account.owner;
        let len = if token_program == spl_token_interface::id() {
            spl_token_interface::state::Account::LEN
        } else {
            account_len::try_calculate_account_len_from_mint_data(&mint_account.data, extensions)
                .unwrap()
        };
        let account = Keypair::new();
        let payer = self.payer();
        let rent = self.rent_exempt(len).await;
        let mut instructions = vec![solana_system_interface::instruction::create_account(
            &payer.pubkey(),
            &account.pubkey(),
            rent,
            len as u64,
            &token_program,
        )];
        for extension in extensions {
            if *extension == ExtensionType::ImmutableOwner {
                instructions.push(
                    spl_token_2022_interface::instruction::initialize_immutable_owner(
                        &token_program,
                        &account.pubkey(),
                    )
                    .unwrap(),
                );
            }
        }
        instructions.push(
            spl_token_2022_interface::instruction::initialize_account3(
                &token_program,
                &account.pubkey(),
                mint,
                owner,
            )
            .unwrap(),
        );
        self.send(&instructions, &[&account]).await.unwrap();
        account.pubkey()
    }

    /// Turns on the owner-controlled extensions (CPI guard, required memos) of a Token-2022
    /// account, signed by its owner.
    pub async fn enable_account_extensions(
        &mut self,
        account: &Pubkey,
        owner: &Keypair,
        extensions: &[spl_token_2022_interface::extension::ExtensionType],
    ) {
        use spl_token_2022_interface::extension::{cpi_guard, memo_transfer, ExtensionType};
        let program = spl_token_2022_interface::id();
        let mut instructions = Vec::new();
        for extension in extensions {
            match extension {
                ExtensionType::CpiGuard => instructions.push(
                    cpi_guard::instruction::enable_cpi_guard(
                        &program,
                        account,
                        &owner.pubkey(),
                        &[],
                    )
                    .unwrap(),
                ),
                ExtensionType::MemoTransfer => instructions.push(
                    memo_transfer::instruction::enable_required_transfer_memos(
                        &program,
                        account,
                        &owner.pubkey(),
                        &[],
                    )
                    .unwrap(),
                ),
                _ => {}
            }
        }
        if !instructions.is_empty() {
            self.send(&instructions, &[owner]).await.unwrap();
        }
    }

    /// Creates a token account of `mint` and returns its address.
    pub async fn create_token_account(&mut self, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        self.create_token_account_with(mint, owner, &[]).await
    }

    /// A user of `pool`: a system account holding `lamports` and an empty token account of
    /// the pool mint, returned as (user, token account).
    pub async fn pool_user(&mut self, pool: &Pool, lamports: u64) -> (Keypair, Pubkey) {
        let user = self.funded_keypair(lamports).await;
        let account = self
            .create_token_account(&pool.pool_mint.pubkey(), &user.pubkey())
            .await;
        (user, account)
    }

    /// Creates an initialized stake account with the given authorities and extra lamports.
    pub async fn create_stake_account(
        &mut self,
        staker: &Pubkey,
        withdrawer: &Pubkey,
        extra: u64,
        lockup: solana_stake_interface::state::Lockup,
    ) -> Pubkey {
        let stake = Keypair::new();
        let payer = self.payer();
        let rent = self.rent_exempt(STAKE_ACCOUNT_LEN).await;
        self.send(
            &solana_stake_interface::instruction::create_account(
                &payer.pubkey(),
                &stake.pubkey(),
                &solana_stake_interface::state::Authorized {
                    staker: *staker,
                    withdrawer: *withdrawer,
                },
                &lockup,
                rent + extra,
            ),
            &[&stake],
        )
        .await
        .unwrap();
        stake.pubkey()
    }

    /// Creates a zeroed account owned by `owner`.
    pub async fn create_owned_account(&mut self, account: &Keypair, len: usize, owner: &Pubkey) {
        let payer = self.payer();
        let rent = self.rent_exempt(len).await;
        self.send(
            &[solana_system_interface::instruction::create_account(
                &payer.pubkey(),
                &account.pubkey(),
                rent,
                len as u64,
                owner,
            )],
            &[account],
        )
        .await
        .unwrap();
    }
}

/// A Token-2022 mint extension a test pool mint can carry.
#[derive(Clone, Copy, Debug)]
pub enum MintExtension {
    /// Allowed by SPL: transfer fee of `basis_points`, capped at `maximum`.
    TransferFee { basis_points: u16, maximum: u64 },
    /// Allowed by SPL.
    MetadataPointer,
    /// Allowed by SPL: interest at `rate` basis points.
    InterestBearing { rate: i16 },
    /// Refused by SPL: could close the pool mint.
    MintCloseAuthority,
    /// Refused by SPL: pool tokens could not move.
    NonTransferable,
    /// Refused by SPL: someone could move everyone's pool tokens.
    PermanentDelegate,
}

impl MintExtension {
    pub fn kind(&self) -> spl_token_2022_interface::extension::ExtensionType {
        use spl_token_2022_interface::extension::ExtensionType;
        match self {
            Self::TransferFee { .. } => ExtensionType::TransferFeeConfig,
            Self::MetadataPointer => ExtensionType::MetadataPointer,
            Self::InterestBearing { .. } => ExtensionType::InterestBearingConfig,
            Self::MintCloseAuthority => ExtensionType::MintCloseAuthority,
            Self::NonTransferable => ExtensionType::NonTransferable,
            Self::PermanentDelegate => ExtensionType::PermanentDelegate,
        }
    }

    /// The instruction that initializes this extension on an uninitialized mint.
    fn initialize(&self, token_program: &Pubkey, mint: &Pubkey, authority: &Pubkey) -> Instruction {
        use spl_token_2022_interface::{extension, instruction};
        match *self {
            Self::TransferFee {
                basis_points,
                maximum,
            } => extension::transfer_fee::instruction::initialize_transfer_fee_config(
                token_program,
                mint,
                Some(authority),
                Some(authority),
                basis_points,
                maximum,
            ),
            Self::MetadataPointer => extension::metadata_pointer::instruction::initialize(
                token_program,
                mint,
                Some(*authority),
                Some(*mint),
            ),
            Self::InterestBearing { rate } => {
                extension::interest_bearing_mint::instruction::initialize(
                    token_program,
                    mint,
                    Some(*authority),
                    rate,
                )
            }
            Self::MintCloseAuthority => {
                instruction::initialize_mint_close_authority(token_program, mint, Some(authority))
            }
            Self::NonTransferable => {
                instruction::initialize_non_transferable_mint(token_program, mint)
            }
            Self::PermanentDelegate => {
                instruction::initialize_permanent_delegate(token_program, mint, authority)
            }
        }
        .unwrap()
    }
}

/// Fees and options for a new pool.
#[derive(Clone, Debug)]
pub struct PoolConfig {
    pub epoch_fee: Fee,
    pub withdrawal_fee: Fee,
    pub deposit_fee: Fee,
    pub referral_fee: u8,
    pub max_validators: u32,
    /// Lamports in the reserve above rent at creation (minted to the manager).
    pub reserve_extra: u64,
    /// Legacy SPL Token or Token-2022.
    pub token_program: Pubkey,
    /// Token-2022 extensions on the pool mint.
    pub mint_extensions: Vec<MintExtension>,
    /// Token-2022 extensions on the manager fee account (CPI guard and memo transfer are
    /// enabled by the manager after creation).
    pub fee_account_extensions: Vec<spl_token_2022_interface::extension::ExtensionType>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            epoch_fee: Fee {
                denominator: 100,
                numerator: 5,
            },
            withdrawal_fee: Fee {
                denominator: 1000,
                numerator: 1,
            },
            deposit_fee: Fee {
                denominator: 1000,
                numerator: 3,
            },
            referral_fee: 20,
            max_validators: 10,
            reserve_extra: 0,
            token_program: spl_token_interface::id(),
            mint_extensions: Vec::new(),
            fee_account_extensions: Vec::new(),
        }
    }
}

/// A pool's keys, on either program.
pub struct Pool {
    pub program_id: Pubkey,
    pub stake_pool: Keypair,
    pub validator_list: Keypair,
    pub reserve_stake: Pubkey,
    pub pool_mint: Keypair,
    pub manager_fee_account: Pubkey,
    pub manager: Keypair,
    pub staker: Keypair,
    pub withdraw_authority: Pubkey,
    pub token_program: Pubkey,
}

impl Pool {
    pub fn accounts(&self) -> PoolAccounts {
        PoolAccounts {
            program_id: self.program_id,
            stake_pool: self.stake_pool.pubkey(),
            validator_list: self.validator_list.pubkey(),
            reserve_stake: self.reserve_stake,
            pool_mint: self.pool_mint.pubkey(),
            manager_fee_account: self.manager_fee_account,
            token_program_id: self.token_program,
        }
    }

    /// The pool's stake account for `vote` (no validator seed).
    pub fn validator_stake(&self, vote: &Pubkey) -> Pubkey {
        spl_stake_pool::find_stake_program_address(
            &self.program_id,
            vote,
            &self.stake_pool.pubkey(),
            None,
        )
        .0
    }

    /// The pool's transient stake account for `vote` and `seed`.
    pub fn transient_stake(&self, vote: &Pubkey, seed: u64) -> Pubkey {
        spl_stake_pool::find_transient_stake_program_address(
            &self.program_id,
            vote,
            &self.stake_pool.pubkey(),
            seed,
        )
        .0
    }

    /// Every pool-owned account's address (for no-change snapshots).
    pub fn state_addresses(&self) -> Vec<Pubkey> {
        vec![
            self.stake_pool.pubkey(),
            self.validator_list.pubkey(),
            self.reserve_stake,
            self.pool_mint.pubkey(),
            self.manager_fee_account,
        ]
    }
}

/// Creates every account a pool needs, without initializing it.
pub async fn prepare_pool(env: &mut Env, program_id: Pubkey, config: &PoolConfig) -> Pool {
    let stake_pool = env.new_keypair();
    let validator_list = env.new_keypair();
    let pool_mint = env.new_keypair();
    let manager = env.funded_keypair(10 * LAMPORTS_PER_SOL).await;
    let staker = env.new_keypair();
    let (withdraw_authority, _) =
        spl_stake_pool::find_withdraw_authority_program_address(&program_id, &stake_pool.pubkey());
    env.create_mint_with(
        &pool_mint,
        &withdraw_authority,
        9,
        None,
        &config.token_program,
        &config.mint_extensions,
    )
    .await;
    let manager_fee_account = env
        .create_token_account_with(
            &pool_mint.pubkey(),
            &manager.pubkey(),
            &config.fee_account_extensions,
        )
        .await;
    env.enable_account_extensions(
        &manager_fee_account,
        &manager,
        &config.fee_account_extensions,
    )
    .await;
    let reserve_stake = env
        .create_stake_account(
            &withdraw_authority,
            &withdraw_authority,
            config.reserve_extra,
            Default::default(),
        )
        .await;
    env.create_owned_account(&stake_pool, STAKE_POOL_LEN, &program_id)
        .await;
    env.create_owned_account(
        &validator_list,
        9 + 73 * config.max_validators as usize,
        &program_id,
    )
    .await;
    Pool {
        program_id,
        stake_pool,
        validator_list,
        reserve_stake,
        pool_mint,
        manager_fee_account,
        manager,
        staker,
        withdraw_authority,
        token_program: config.token_program,
    }
}

/// The reference client's `Initialize` for a prepared pool.
pub fn initialize_instruction(
    pool: &Pool,
    config: &PoolConfig,
    deposit_authority: Option<Pubkey>,
) -> Instruction {
    spl_stake_pool::instruction::initialize(
        &pool.program_id,
        &pool.stake_pool.pubkey(),
        &pool.manager.pubkey(),
        &pool.staker.pubkey(),
        &pool.withdraw_authority,
        &pool.validator_list.pubkey(),
        &pool.reserve_stake,
        &pool.pool_mint.pubkey(),
        &pool.manager_fee_account,
        &pool.token_program,
        deposit_authority,
        config.epoch_fee,
        config.withdrawal_fee,
        config.deposit_fee,
        config.referral_fee,
        config.max_validators,
    )
}

/// Creates and initializes a pool on `program_id`.
pub async fn create_pool(env: &mut Env, program_id: Pubkey, config: &PoolConfig) -> Pool {
    let pool = prepare_pool(env, program_id, config).await;
    let manager = pool.manager.insecure_clone();
    env.send(&[initialize_instruction(&pool, config, None)], &[&manager])
        .await
        .unwrap();
    pool
}

/// The same pool configuration on both programs.
pub async fn create_pool_pair(env: &mut Env, config: &PoolConfig) -> (Pool, Pool) {
    let ours = create_pool(env, PROGRAM_ID, config).await;
    let reference = create_pool(env, SPL_PROGRAM_ID, config).await;
    (ours, reference)
}

/// The reference client's `DepositSol`.
pub fn deposit_sol_instruction(
    pool: &Pool,
    from: &Pubkey,
    destination: &Pubkey,
    referrer: &Pubkey,
    lamports: u64,
) -> Instruction {
    spl_stake_pool::instruction::deposit_sol(
        &pool.program_id,
        &pool.stake_pool.pubkey(),
        &pool.withdraw_authority,
        &pool.reserve_stake,
        from,
        destination,
        &pool.manager_fee_account,
        referrer,
        &pool.pool_mint.pubkey(),
        &pool.token_program,
        lamports,
    )
}

/// The reference client's `WithdrawSol`.
pub fn withdraw_sol_instruction(
    pool: &Pool,
    authority: &Pubkey,
    burn_from: &Pubkey,
    destination: &Pubkey,
    pool_tokens: u64,
) -> Instruction {
    spl_stake_pool::instruction::withdraw_sol(
        &pool.program_id,
        &pool.stake_pool.pubkey(),
        &pool.withdraw_authority,
        authority,
        burn_from,
        &pool.reserve_stake,
        destination,
        &pool.manager_fee_account,
        &pool.pool_mint.pubkey(),
        &pool.token_program,
        pool_tokens,
    )
}

/// The reference client's full update for a pool without validators.
pub fn update_instructions(pool: &Pool) -> Vec<Instruction> {
    let stake_pool = pool.stake_pool.pubkey();
    let validator_list = pool.validator_list.pubkey();
    vec![
        spl_stake_pool::instruction::update_validator_list_balance_chunk(
            &pool.program_id,
            &stake_pool,
            &pool.withdraw_authority,
            &validator_list,
            &pool.reserve_stake,
            &spl_stake_pool::state::ValidatorList::new(0),
            0,
            0,
            false,
        )
        .unwrap(),
        spl_stake_pool::instruction::update_stake_pool_balance(
            &pool.program_id,
            &stake_pool,
            &pool.withdraw_authority,
            &validator_list,
            &pool.reserve_stake,
            &pool.manager_fee_account,
            &pool.pool_mint.pubkey(),
            &pool.token_program,
        ),
        spl_stake_pool::instruction::cleanup_removed_validator_entries(
            &pool.program_id,
            &stake_pool,
            &validator_list,
        ),
    ]
}

/// Decodes a pool with the reference's own state type.
pub async fn spl_pool_state(env: &mut Env, pool: &Pool) -> spl_stake_pool::state::StakePool {
    let account = env.account(&pool.stake_pool.pubkey()).await.unwrap();
    borsh::BorshDeserialize::deserialize(&mut account.data.as_slice()).unwrap()
}

/// Decodes a validator list with the reference's own state type.
pub async fn spl_validator_list(
    env: &mut Env,
    pool: &Pool,
) -> spl_stake_pool::state::ValidatorList {
    let account = env.account(&pool.validator_list.pubkey()).await.unwrap();
    borsh::BorshDeserialize::deserialize(&mut account.data.as_slice()).unwrap()
}

/// The reference client's full epoch update (list chunks, then pool balance and cleanup),
/// built from the pool's current state.
pub async fn full_update_instructions(env: &mut Env, pool: &Pool) -> Vec<Vec<Instruction>> {
    let state = spl_pool_state(env, pool).await;
    let list = spl_validator_list(env, pool).await;
    let (list_updates, finals) = spl_stake_pool::instruction::update_stake_pool(
        &pool.program_id,
        &state,
        &list,
        &pool.stake_pool.pubkey(),
        false,
    );
    let mut transactions: Vec<Vec<Instruction>> =
        list_updates.into_iter().map(|ix| vec![ix]).collect();
    transactions.push(finals);
    transactions
}

/// The instruction error of a failed transaction.
pub fn instruction_error(result: Result<(), BanksClientError>) -> InstructionError {
    match result {
        Err(BanksClientError::TransactionError(TransactionError::InstructionError(_, error))) => {
            error
        }
        Err(BanksClientError::SimulationError {
            err: TransactionError::InstructionError(_, error),
            ..
        }) => error,
        other => panic!("expected an instruction error, got {other:?}"),
    }
}

/// Asserts a stake pool custom error code.
pub fn assert_pool_error(
    result: Result<(), BanksClientError>,
    expected: spl_stake_pool::error::StakePoolError,
) {
    assert_eq!(
        instruction_error(result),
        InstructionError::Custom(expected as u32)
    );
}

/// Puts `synthetic` stand-in validators in front of the pool's real entries, recorded as
/// updated this epoch with no stake, so the real validators sit at the end of a list of
/// `synthetic + real` entries: the worst case for any instruction that searches the list.
/// The stand-ins play validators whose stake other transactions have already cranked; their
/// vote addresses start with 0xEE bytes so they never collide with real keys.
pub async fn pad_validator_list(env: &mut Env, pool: &Pool, synthetic: usize) {
    const HEADER: usize = 9;
    const ENTRY: usize = 73;
    let address = pool.validator_list.pubkey();
    let mut account = env.account(&address).await.unwrap();
    let length = u32::from_le_bytes(account.data[5..9].try_into().unwrap()) as usize;
    // Earlier stand-ins are dropped, so the list can be re-padded to another size.
    let real_entries: Vec<u8> = account.data[HEADER..HEADER + length * ENTRY]
        .chunks(ENTRY)
        .filter(|entry| entry[41..65] != [0xEE; 24])
        .flatten()
        .copied()
        .collect();
    let real = real_entries.len() / ENTRY;
    let epoch = env.epoch().await;
    let mut entry = [0u8; ENTRY];
    entry[16..24].copy_from_slice(&epoch.to_le_bytes());
    for i in 0..synthetic {
        let mut vote = [0xEE; 32];
        vote[24..].copy_from_slice(&(i as u64).to_le_bytes());
        entry[41..].copy_from_slice(&vote);
        let at = HEADER + i * ENTRY;
        account.data[at..at + ENTRY].copy_from_slice(&entry);
    }
    let at = HEADER + synthetic * ENTRY;
    account.data[at..at + real_entries.len()].copy_from_slice(&real_entries);
    account.data[5..9].copy_from_slice(&((synthetic + real) as u32).to_le_bytes());
    env.ctx.set_account(&address, &account.into());
}

/// The invariants every stateful test checks after an update: the recorded supply is the
/// mint's, and `total_lamports` is the reserve above rent plus every entry's active and
/// transient stake (nothing else counted, nothing missed).
pub async fn assert_pool_invariants(env: &mut Env, pool: &Pool) {
    let state = spl_pool_state(env, pool).await;
    assert_eq!(
        state.pool_token_supply,
        env.mint_supply(&pool.pool_mint.pubkey()).await,
        "recorded supply differs from the mint"
    );
    let list = spl_validator_list(env, pool).await;
    let validators: u64 = list
        .validators
        .iter()
        .map(|v| u64::from(v.active_stake_lamports) + u64::from(v.transient_stake_lamports))
        .sum();
    let reserve = env.lamports(&pool.reserve_stake).await;
    let rent = env.rent_exempt(STAKE_ACCOUNT_LEN).await;
    assert_eq!(
        state.total_lamports,
        reserve - rent + validators,
        "total_lamports is not reserve - rent + validator stake"
    );
}

/// The fewest pool tokens whose stake withdrawal (after the stake withdrawal fee) is worth at
/// least `lamports` at the pool's current rate.
pub fn pool_tokens_worth(state: &spl_stake_pool::state::StakePool, lamports: u64) -> u64 {
    let mut tokens =
        (lamports as u128 * state.pool_token_supply as u128 / state.total_lamports as u128) as u64;
    loop {
        let fee = state.calc_pool_tokens_stake_withdrawal_fee(tokens).unwrap();
        if state.calc_lamports_withdraw_amount(tokens - fee).unwrap() >= lamports {
            return tokens;
        }
        tokens += 1;
    }
}
