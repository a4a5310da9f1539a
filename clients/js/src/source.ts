// Where the wallet layer reads the chain from. Any RPC (`rpcAccountSource`) or a test VM can
// serve it: the layer only needs accounts, the epoch, rent and the stake program's minimum.
import type {
  Address,
  GetEpochInfoApi,
  GetMinimumBalanceForRentExemptionApi,
  GetMultipleAccountsApi,
  GetStakeMinimumDelegationApi,
  Rpc,
} from '@solana/kit';
import { getBase64Encoder } from '@solana/kit';

/** An account as the layer needs it. */
export type ChainAccount = {
  address: Address;
  data: Uint8Array;
  lamports: bigint;
  programAddress: Address;
};

export interface AccountSource {
  /** The accounts, in order; `null` for any that does not exist. */
  getAccounts(addresses: readonly Address[]): Promise<(ChainAccount | null)[]>;
  /** The current epoch. */
  getEpoch(): Promise<bigint>;
  /** Lamports an account of `space` bytes needs to be rent-exempt. */
  getMinimumBalanceForRentExemption(space: bigint): Promise<bigint>;
  /** The stake program's minimum delegation (lamports). */
  getStakeMinimumDelegation(): Promise<bigint>;
}

export type StakePoolRpc = Rpc<
  GetMultipleAccountsApi & GetEpochInfoApi & GetMinimumBalanceForRentExemptionApi & GetStakeMinimumDelegationApi
>;

/** An `AccountSource` over a JSON-RPC endpoint (`createSolanaRpc(url)`). */
export function rpcAccountSource(rpc: StakePoolRpc): AccountSource {
  const base64 = getBase64Encoder();
  return {
    async getAccounts(addresses) {
      const result: (ChainAccount | null)[] = [];
      // getMultipleAccounts takes at most 100 addresses per call.
      for (let start = 0; start < addresses.length; start += 100) {
        const chunk = addresses.slice(start, start + 100);
        const { value } = await rpc.getMultipleAccounts(chunk, { encoding: 'base64' }).send();
        value.forEach((account, i) => {
          result.push(
            account === null
              ? null
              : {
                  address: chunk[i]!,
                  data: new Uint8Array(base64.encode(account.data[0])),
                  lamports: BigInt(account.lamports),
                  programAddress: account.owner,
                },
          );
        });
      }
      return result;
    },
    async getEpoch() {
      return BigInt((await rpc.getEpochInfo().send()).epoch);
    },
    async getMinimumBalanceForRentExemption(space) {
      return BigInt(await rpc.getMinimumBalanceForRentExemption(space).send());
    },
    async getStakeMinimumDelegation() {
      return BigInt((await rpc.getStakeMinimumDelegation().send()).value);
    },
  };
}

/** One account that must exist, or a clear error naming it. */
export async function getRequiredAccount(source: AccountSource, address: Address, what: string): Promise<ChainAccount> {
  const [account] = await source.getAccounts([address]);
  if (!account) throw new Error(`${what} ${address} does not exist`);
  return account;
}
