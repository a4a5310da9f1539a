//! The commands: one enum for the command line, one module per kind of user (the manager's
//! pool settings, the staker's validators, the depositor's deposits and withdrawals).

mod manage;
mod user;
mod validators;

use anyhow::Result;
use clap::{Args, Subcommand};
use solana_pubkey::Pubkey;

use crate::{chain::Ctx, Report};

/// A fee as a fraction.
#[derive(Args, Clone, Copy, Debug)]
pub struct FeeArgs {
    pub numerator: u64,
    pub denominator: u64,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a pool: reserve, mint, fee account, validator list and pool, then Initialize
    CreatePool(manage::CreatePool),
    /// Add a validator (the reserve funds its stake account)
    AddValidator {
        pool: Pubkey,
        vote_account: Pubkey,
        /// Validator seed for the stake account address (0: none)
        #[arg(long, default_value_t = 0)]
        seed: u32,
    },
    /// Remove a validator: its stake deactivates and returns to the reserve at the update
    RemoveValidator { pool: Pubkey, vote_account: Pubkey },
    /// Move SOL from the reserve to a validator
    IncreaseValidatorStake {
        pool: Pubkey,
        vote_account: Pubkey,
        /// SOL
        amount: String,
    },
    /// Move SOL from a validator back to the reserve (after the epoch)
    DecreaseValidatorStake {
        pool: Pubkey,
        vote_account: Pubkey,
        /// SOL
        amount: String,
    },
    /// Set or clear the preferred deposit or withdraw validator
    SetPreferredValidator {
        pool: Pubkey,
        /// deposit or withdraw
        #[arg(value_parser = ["deposit", "withdraw"])]
        kind: String,
        /// The validator's vote account
        #[arg(long, conflicts_with = "unset", required_unless_present = "unset")]
        vote_account: Option<Pubkey>,
        /// Clear it
        #[arg(long)]
        unset: bool,
    },
    /// Deposit SOL for pool tokens
    DepositSol(user::DepositSol),
    /// Deposit an active stake account delegated to one of the pool's validators
    DepositStake(user::DepositStake),
    /// Deposit every active stake account the signer withdraws from, delegated to the pool's
    /// validators
    DepositAllStake(user::DepositAllStake),
    /// Withdraw SOL from the reserve by burning pool tokens
    WithdrawSol(user::WithdrawSol),
    /// Withdraw stake accounts by burning pool tokens
    WithdrawStake(user::WithdrawStake),
    /// Bring the pool up to the current epoch (validator balances, pool balance, cleanup)
    Update(crate::update::UpdateArgs),
    /// Claim the pool's due delayed-unstake tickets for their owners (anyone may; the keeper
    /// does it as each epoch starts, before the update)
    ClaimTickets { pool: Pubkey },
    /// Plan (and unless --dry-run, make) the moves that bring each validator to its target
    Rebalance(crate::rebalance::RebalanceArgs),
    /// The delegation strategy: check a strategy file, report and explain its decisions,
    /// apply them
    #[command(subcommand)]
    Strategy(crate::strategy::StrategyCommand),
    /// Run the update (and optionally a rebalance or the strategy) at the start of every
    /// epoch, until SIGINT or SIGTERM
    Keeper(crate::keeper::KeeperArgs),
    /// Show a pool: fees, reserve, exchange rate, validators
    List { pool: Pubkey },
    /// Show every pool of the program
    ListAll,
    /// Change the manager (both the current and the new manager sign)
    SetManager {
        pool: Pubkey,
        /// The new manager, who signs too (a signer, as --keypair) [default: the default
        /// signer]
        #[arg(long)]
        new_manager: Option<String>,
        /// New fee account (a token account of the pool mint)
        #[arg(long)]
        new_fee_receiver: Option<Pubkey>,
    },
    /// Change the staker (signed by the manager or the staker)
    SetStaker { pool: Pubkey, new_staker: Pubkey },
    /// Set or clear who may deposit stake, deposit SOL or withdraw SOL
    SetFundingAuthority {
        pool: Pubkey,
        #[arg(value_parser = ["stake-deposit", "sol-deposit", "sol-withdraw"])]
        funding_type: String,
        #[arg(long, conflicts_with = "unset", required_unless_present = "unset")]
        new_authority: Option<Pubkey>,
        #[arg(long)]
        unset: bool,
    },
    /// Set a fee (epoch, stake-deposit, sol-deposit, stake-withdrawal, sol-withdrawal)
    SetFee {
        pool: Pubkey,
        #[arg(value_parser = ["epoch", "stake-deposit", "sol-deposit", "stake-withdrawal", "sol-withdrawal"])]
        fee_type: String,
        numerator: u64,
        denominator: u64,
    },
    /// Set the share of deposit fees paid to referrers, in percent
    SetReferralFee {
        pool: Pubkey,
        #[arg(value_parser = ["stake", "sol"])]
        fee_type: String,
        percent: u8,
    },
    /// Create the pool token's Metaplex metadata
    CreateTokenMetadata {
        pool: Pubkey,
        name: String,
        symbol: String,
        uri: String,
    },
    /// Change the pool token's Metaplex metadata
    UpdateTokenMetadata {
        pool: Pubkey,
        name: String,
        symbol: String,
        uri: String,
    },
}

pub async fn run(ctx: &Ctx, command: &Command) -> Result<Report> {
    use Command::*;
    match command {
        CreatePool(args) => manage::create_pool(ctx, args).await,
        AddValidator {
            pool,
            vote_account,
            seed,
        } => validators::add(ctx, pool, vote_account, *seed).await,
        RemoveValidator { pool, vote_account } => validators::remove(ctx, pool, vote_account).await,
        IncreaseValidatorStake {
            pool,
            vote_account,
            amount,
        } => validators::increase(ctx, pool, vote_account, amount).await,
        DecreaseValidatorStake {
            pool,
            vote_account,
            amount,
        } => validators::decrease(ctx, pool, vote_account, amount).await,
        SetPreferredValidator {
            pool,
            kind,
            vote_account,
            unset: _,
        } => validators::set_preferred(ctx, pool, kind, vote_account.as_ref()).await,
        DepositSol(args) => user::deposit_sol(ctx, args).await,
        DepositStake(args) => user::deposit_stake(ctx, args).await,
        DepositAllStake(args) => user::deposit_all_stake(ctx, args).await,
        WithdrawSol(args) => user::withdraw_sol(ctx, args).await,
        WithdrawStake(args) => user::withdraw_stake(ctx, args).await,
        Update(args) => crate::update::run(ctx, args).await,
        ClaimTickets { pool } => crate::tickets::run(ctx, pool).await,
        Rebalance(args) => crate::rebalance::run(ctx, args).await,
        Strategy(command) => crate::strategy::run(ctx, command).await,
        Keeper(args) => crate::keeper::run(ctx, args).await,
        List { pool } => manage::list(ctx, pool).await,
        ListAll => manage::list_all(ctx).await,
        SetManager {
            pool,
            new_manager,
            new_fee_receiver,
        } => {
            manage::set_manager(ctx, pool, new_manager.as_deref(), new_fee_receiver.as_ref()).await
        }
        SetStaker { pool, new_staker } => manage::set_staker(ctx, pool, new_staker).await,
        SetFundingAuthority {
            pool,
            funding_type,
            new_authority,
            unset: _,
        } => manage::set_funding_authority(ctx, pool, funding_type, new_authority.as_ref()).await,
        SetFee {
            pool,
            fee_type,
            numerator,
            denominator,
        } => {
            manage::set_fee(
                ctx,
                pool,
                fee_type,
                FeeArgs {
                    numerator: *numerator,
                    denominator: *denominator,
                },
            )
            .await
        }
        SetReferralFee {
            pool,
            fee_type,
            percent,
        } => manage::set_referral_fee(ctx, pool, fee_type, *percent).await,
        CreateTokenMetadata {
            pool,
            name,
            symbol,
            uri,
        } => manage::token_metadata(ctx, pool, true, [name, symbol, uri]).await,
        UpdateTokenMetadata {
            pool,
            name,
            symbol,
            uri,
        } => manage::token_metadata(ctx, pool, false, [name, symbol, uri]).await,
    }
}
