// The native stake program's parts the wallet layer needs: decoding a stake account and the
// two instructions a deposit or withdrawal adds (authorize, and creating the new account).
import {
  AccountRole,
  getAddressDecoder,
  getAddressEncoder,
  getU32Encoder,
  type Address,
  type Instruction,
  type TransactionSigner,
} from '@solana/kit';
import { getCreateAccountInstruction } from '@solana-program/system';

export const STAKE_PROGRAM_ADDRESS = 'Stake11111111111111111111111111111111111111' as Address;
export const CLOCK_SYSVAR_ADDRESS = 'SysvarC1ock11111111111111111111111111111111' as Address;
/** Size of a stake account (`StakeStateV2`). */
export const STAKE_ACCOUNT_SIZE = 200n;
/** Epoch value the stake program uses for "never deactivated". */
export const NEVER_DEACTIVATED = 0xffff_ffff_ffff_ffffn;

export type StakeAccountState =
  | { kind: 'uninitialized' }
  | { kind: 'rewardsPool' }
  | { kind: 'initialized'; meta: StakeMeta }
  | { kind: 'stake'; meta: StakeMeta; delegation: Delegation };

export type StakeMeta = {
  rentExemptReserve: bigint;
  staker: Address;
  withdrawer: Address;
  lockup: { unixTimestamp: bigint; epoch: bigint; custodian: Address };
};

export type Delegation = {
  voter: Address;
  stake: bigint;
  activationEpoch: bigint;
  deactivationEpoch: bigint;
};

/** Decodes a stake account's `StakeStateV2` (little-endian, bincode). */
export function decodeStakeAccount(data: Uint8Array): StakeAccountState {
  if (data.length < 200) throw new Error(`not a stake account: ${data.length} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const addresses = getAddressDecoder();
  const at = (offset: number) => addresses.decode(data.subarray(offset, offset + 32));
  const tag = view.getUint32(0, true);
  if (tag === 0) return { kind: 'uninitialized' };
  if (tag === 3) return { kind: 'rewardsPool' };
  const meta: StakeMeta = {
    rentExemptReserve: view.getBigUint64(4, true),
    staker: at(12),
    withdrawer: at(44),
    lockup: { unixTimestamp: view.getBigInt64(76, true), epoch: view.getBigUint64(84, true), custodian: at(92) },
  };
  if (tag === 1) return { kind: 'initialized', meta };
  if (tag !== 2) throw new Error(`unknown stake state ${tag}`);
  return {
    kind: 'stake',
    meta,
    delegation: {
      voter: at(124),
      stake: view.getBigUint64(156, true),
      activationEpoch: view.getBigUint64(164, true),
      deactivationEpoch: view.getBigUint64(172, true),
    },
  };
}

/** Stake program `Authorize`: `authority` (the current one) hands the staker or withdrawer role to `newAuthority`. */
export function getStakeAuthorizeInstruction(input: {
  stakeAccount: Address;
  authority: TransactionSigner;
  newAuthority: Address;
  role: 'staker' | 'withdrawer';
}): Instruction {
  const data = new Uint8Array(4 + 32 + 4);
  data.set(getU32Encoder().encode(1), 0);
  data.set(getAddressEncoder().encode(input.newAuthority), 4);
  data.set(getU32Encoder().encode(input.role === 'staker' ? 0 : 1), 36);
  return {
    programAddress: STAKE_PROGRAM_ADDRESS,
    accounts: [
      { address: input.stakeAccount, role: AccountRole.WRITABLE },
      { address: CLOCK_SYSVAR_ADDRESS, role: AccountRole.READONLY },
      { address: input.authority.address, role: AccountRole.READONLY_SIGNER, signer: input.authority } as never,
    ],
    data,
  };
}

/** A new, allocated, rent-exempt (uninitialized) stake account, as a withdrawal needs. */
export function getCreateStakeAccountInstruction(input: {
  payer: TransactionSigner;
  newAccount: TransactionSigner;
  rentExemption: bigint;
}): Instruction {
  return getCreateAccountInstruction({
    payer: input.payer,
    newAccount: input.newAccount,
    lamports: input.rentExemption,
    space: STAKE_ACCOUNT_SIZE,
    programAddress: STAKE_PROGRAM_ADDRESS,
  });
}
