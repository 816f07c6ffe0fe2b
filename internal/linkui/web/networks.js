// Network names for the wallet verification screen. The Link UI's API has no networks
// endpoint yet, and verifyWalletOptions carries only networkId / networkType, so the page
// keeps this copy of the catalog's networks (internal/catalog/data/networks.json);
// web_test.go fails when the two differ.
export const NETWORKS = Object.freeze([
  { id: 'e3c7fdd8-b1fc-4e51-85ae-bb276e075611', name: 'Ethereum', displayName: 'Ethereum', networkType: 'evm' },
  { id: '7436e9d0-ba42-4d2b-b4c0-8e4e606b2c12', name: 'Polygon', displayName: 'Polygon PoS', networkType: 'evm' },
  { id: 'aa883b03-120d-477c-a588-37c2afd3ca71', name: 'Base', displayName: 'Base', networkType: 'evm' },
  { id: 'a34f2431-0ddd-4de4-bc22-4a8143287aeb', name: 'Arbitrum', displayName: 'Arbitrum One', networkType: 'evm' },
  { id: '18fa36b0-88a8-43ca-83db-9a874e0a2288', name: 'Optimism', displayName: 'OP Mainnet', networkType: 'evm' },
  { id: 'ed0ebeec-b166-4c8b-8574-cb078f7af8cf', name: 'BSC', displayName: 'BNB Smart Chain', networkType: 'evm' },
  { id: 'bad16371-c22a-4bf4-a311-274d046cd760', name: 'AvalancheC', displayName: 'Avalanche C-Chain', networkType: 'evm' },
  { id: '0291810a-5947-424d-9a59-e88bb33e999d', name: 'Solana', displayName: 'Solana', networkType: 'solana' },
  { id: '03dee5da-7398-428f-9ec2-ab41bcb271da', name: 'Bitcoin', displayName: 'Bitcoin', networkType: 'bitcoin' },
  { id: '1709a5dc-d114-4683-bf95-5a5abb54df31', name: 'Litecoin', displayName: 'Litecoin', networkType: 'litecoin' },
  { id: '34b66a94-f9f9-49ef-81e8-6ebd5a866f9d', name: 'Dogecoin', displayName: 'Dogecoin', networkType: 'dogecoin' },
  { id: 'c5dc5d2e-68c1-4261-9a30-90b598738bf5', name: 'Tron', displayName: 'TRON', networkType: 'tron' },
  { id: '0ea47ee7-9d36-460e-a2d5-64cfa8a1dddd', name: 'XRPL', displayName: 'XRP Ledger', networkType: 'ripple' },
  { id: '06855704-43d2-4ad2-a73c-372f0c3534e1', name: 'Stellar', displayName: 'Stellar', networkType: 'stellar' },
  { id: '9cc3f8db-809a-4d06-a183-34a63a84aca8', name: 'Cardano', displayName: 'Cardano', networkType: 'cardano' },
]);

// SANDBOX_WALLET_ADDRESSES are the Sandbox wallet's own addresses, by network type
// (internal/connector/sandbox.go; web_test.go checks them).
export const SANDBOX_WALLET_ADDRESSES = Object.freeze({
  evm: '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
  bitcoin: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
  litecoin: 'LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofm',
  dogecoin: 'DEa7damK8MsbdCJztidBasZKVsDLJifWfE',
  solana: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
  tron: 'TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7',
  ripple: 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh',
  stellar: 'GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN',
  cardano: 'addr1qx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3n0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgse35a3x',
});

export function networkById(id) {
  const k = String(id || '').toLowerCase();
  return NETWORKS.find((n) => n.id === k) || null;
}
