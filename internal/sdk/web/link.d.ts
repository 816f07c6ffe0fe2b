// Type declarations of linkd's web SDK (/sdk/link.js), mirroring those of Mesh Connect's
// @meshconnect/web-link-sdk 3.13.0 (utils/types.d.ts, utils/event-types.d.ts), so that
// TypeScript code written for Mesh's SDK type-checks against linkd's script unchanged.
//
// Fetch it next to your code (curl -O https://linkd.example/sdk/link.d.ts) and map the
// script's URL to it (tsconfig "paths", or `declare module` wrapping these declarations).

/** An integration type of GET /api/v1/integrations (node-api's BrokerType). */
export type BrokerType = string;

export type EventType = 'brokerageAccountAccessToken' | 'delayedAuthentication' | 'loaded' | 'transferFinished';
export interface Link {
    /**
     * A function that takes linkToken parameter from `/api/v1/linktoken` endpoint as an input, and opens the Link UI popup
     * @param linkToken - Base64 encoded link token from the `/api/v1/linktoken` endpoint
     * @param customIframeId - Optional custom ID for the existing iframe element. If not provided, a new iframe element will be created
     */
    openLink: (linkToken: string, customIframeId?: string) => void;
    /**
     * A function to close Link UI popup
     */
    closeLink: () => void;
    /**
     * A function to request Link UI to close gracefully in embedded mode.
     */
    closeLinkRequested: () => void;
}
export interface AccountToken {
    account: Account;
    accessToken: string;
    refreshToken?: string;
    tokenId?: string;
}
export interface Account {
    accountId: string;
    accountName: string;
    fund?: number;
    cash?: number;
    isReconnected?: boolean;
}
/**
 * Integration brand information
 */
export interface BrandInfo {
    /**
     * Integration logo in base 64 format
     */
    brokerLogo: string;
    /**
     * Integration logo URL (obsolete, use `logoLightUrl` instead)
     */
    brokerLogoUrl?: string;
    /**
     * Integration logo URL for light theme
     */
    logoLightUrl?: string;
    /**
     * Integration logo URL for dark theme
     */
    logoDarkUrl?: string;
    /**
     * Integration icon URL for light theme
     */
    iconLightUrl?: string;
    /**
     * Integration icon URL for dark theme
     */
    iconDarkUrl?: string;
}
export interface LinkPayload {
    accessToken?: AccessTokenPayload;
    delayedAuth?: DelayedAuthPayload;
}
export interface AccessTokenPayload {
    accountTokens: AccountToken[];
    brokerBrandInfo: BrandInfo;
    expiresInSeconds?: number;
    refreshTokenExpiresInSeconds?: number;
    brokerType: BrokerType;
    brokerName: string;
}
export interface DelayedAuthPayload {
    refreshTokenExpiresInSeconds?: number;
    brokerType: BrokerType;
    refreshToken: string;
    brokerName: string;
    brokerBrandInfo: BrandInfo;
}
export interface TransferFinishedPayload {
    status: 'success';
    txId: string;
    fromAddress: string;
    toAddress: string;
    symbol: string;
    amount: number;
    networkId: string;
    userId?: string;
    clientTransactionId?: string;
    amountInFiat?: number;
    totalAmountInFiat?: number;
    networkName?: string;
    txHash?: string;
    transferId?: string;
    refundAddress?: string;
}
export interface IntegrationAccessToken {
    accountId: string;
    accountName: string;
    accessToken: string;
    brokerType: BrokerType;
    brokerName: string;
}
export interface LinkOptions {
    /**
     * @deprecated This property is unused and will be removed in the next major version.
     */
    clientId?: string;
    /**
     * A callback function that is called when an integration is successfully connected.
     * It receives a payload of type `LinkPayload`.
     */
    onIntegrationConnected: (payload: LinkPayload) => void;
    /**
     * (Optional) A callback function that is called when the Front iframe is closed.
     */
    onExit?: (error?: string, summary?: SessionSummary) => void;
    /**
     * (Optional) A callback function that is called when a transfer is finished.
     * It receives a payload of type `TransferFinishedPayload`.
     */
    onTransferFinished?: (payload: TransferFinishedPayload) => void;
    /**
     * (Optional) A callback function that is called when various events occur within the Front iframe.
     * It receives an object with type `LinkEventTypeKeys` indicating the event, and an optional 'payload' containing additional data.
     */
    onEvent?: (event: LinkEventType) => void;
    /**
     * (Optional) An array of integration access tokens.
     * These access tokens are used to initialize crypto transfers flow at 'Select asset step'
     */
    accessTokens?: IntegrationAccessToken[];
    /**
     * Link UI language. Supported: 'en', 'ru'. Can be set as 'en-US', 'ru-RU', etc.
     */
    language?: string;
    /**
     * The currency to display a fiat equivalent of the crypto amount in Link UI.
     * Default: 'USD'
     */
    displayFiatCurrency?: string;
    /**
     * Link UI theme. Possible values: 'dark', 'light' and 'system'.
     */
    theme?: 'dark' | 'light' | 'system';
    /**
     * Controls how the Link UI is rendered.
     * - 'overlay' (default): renders as a full-screen popup managed by the SDK.
     * - 'embedded': renders inside a client-supplied iframe for a more native UI experience. Requires `customIframeId` in `openLink`.
     */
    renderType?: 'overlay' | 'embedded';
    /**
     * linkd only (Mesh's SDK has no such option, and ignores it): how long, in
     * milliseconds, openLink waits for the Link UI to load before it removes the popup and
     * calls onExit with a message naming the likely cause and a summary whose errorType is
     * 'linkUiNotLoaded' (the page's origin is not one of the client's, or linkd is
     * unreachable). Default 15000; 0 waits forever.
     */
    linkdLoadTimeout?: number;
}
export interface LinkStyle {
    ir: number;
    io: number;
}

export type LinkEventType = IntegrationConnected | IntegrationConnectionError | TransferCompleted | IntegrationSelected | CredentialsEntered | TransferStarted | TransferPreviewed | TransferPreviewError | TransferExecutionError | TransferConfigureError | PageLoaded | IntegrationMfaRequired | IntegrationMfaEntered | IntegrationOAuthStarted | IntegrationAccountSelectionRequired | TransferAssetSelected | TransferNetworkSelected | TransferAmountEntered | TransferMfaRequired | TransferMfaEntered | TransferKycRequired | TransferInitiated | TransferExecuted | TransferNoEligibleAssets | WalletMessageSigned | DoneEvent | CloseEvent | VerifyWalletRejected | VerifyDonePage | SDKinjectedWalletProviders | LegalTermsViewed | SeeWhatHappenedClicked | FundingOptionsUpdated | FundingOptionsViewed | GasIncreaseWarning | ExecuteFundingStep | LinkTransferQrGenerated | HomePageMethodSelected | ConnectionUnavailable | ConnectionDeclined | TransferDeclined | DefiWalletError | HomePageLoaded;
type LinkEventTypeKeyList = readonly ["integrationConnected", "integrationConnectionError", "integrationMfaRequired", "integrationMfaEntered", "integrationOAuthStarted", "integrationAccountSelectionRequired", "transferCompleted", "integrationSelected", "credentialsEntered", "transferStarted", "transferPreviewed", "transferPreviewError", "transferExecutionError", "transferConfigureError", "pageLoaded", "transferAssetSelected", "transferNetworkSelected", "transferAmountEntered", "transferMfaRequired", "transferMfaEntered", "transferKycRequired", "transferExecuted", "transferInitiated", "transferNoEligibleAssets", "walletMessageSigned", "verifyDonePage", "verifyWalletRejected", "connectionDeclined", "connectionUnavailable", "transferDeclined", "done", "close", "SDKinjectedWalletProviders", "legalTermsViewed", "seeWhatHappenedClicked", "executeFundingStep", "fundingOptionsUpdated", "fundingOptionsViewed", "gasIncreaseWarning", "linkTransferQRGenerated", "methodSelected", "defiWalletError", "homePageLoaded"];
export type LinkEventTypeKeys = LinkEventTypeKeyList[number];
export declare function isLinkEventTypeKey(key: string): key is LinkEventTypeKeys;
interface LinkEventBase {
    type: LinkEventTypeKeys;
}
export interface PageLoaded {
    type: 'pageLoaded';
}
export interface IntegrationConnected extends LinkEventBase {
    type: 'integrationConnected';
    payload: LinkPayload;
}
export interface IntegrationConnectionError extends LinkEventBase {
    type: 'integrationConnectionError';
    payload: {
        errorMessage: string;
        requestId?: string;
        /** linkd addition: the errorType of the failure (see SessionSummary.errorType). */
        errorType?: string;
    };
}
export interface TransferCompleted extends LinkEventBase {
    type: 'transferCompleted';
    payload: TransferFinishedPayload;
}
export interface IntegrationSelected extends LinkEventBase {
    type: 'integrationSelected';
    payload: {
        integrationType: string;
        integrationName: string;
        nativeLink?: string;
        userSearched?: boolean;
    };
}
export interface CredentialsEntered extends LinkEventBase {
    type: 'credentialsEntered';
}
export interface TransferStarted extends LinkEventBase {
    type: 'transferStarted';
    payload: {
        integrationType?: string;
        integrationName: string;
    };
}
export interface TransferInitiated extends LinkEventBase {
    type: 'transferInitiated';
    payload: {
        integrationType?: string;
        integrationName: string;
        status: 'pending';
    };
}
export interface TransferExecuted extends LinkEventBase {
    type: 'transferExecuted';
    payload: {
        status: 'success' | 'pending';
        txId: string;
        fromAddress: string;
        toAddress: string;
        symbol: string;
        amount: number;
        networkId: string;
        userId?: string;
        clientTransactionId?: string;
    };
}
export interface TransferNoEligibleAssets extends LinkEventBase {
    type: 'transferNoEligibleAssets';
    payload: {
        integrationType?: string;
        integrationName: string;
        noAssetsType?: string;
        arrayOfTokensHeld: {
            symbol: string;
            amount: number;
            amountInFiat?: number;
            ineligibilityReason?: string;
        }[];
    };
}
export interface TransferFee {
    fee?: number;
    feeCurrency?: string;
    feeInFiat?: number;
}
export interface CryptocurrencyFundingOption {
    cryptocurrencyFundingOptionType?: string;
    name?: string;
    paymentMethodType?: string;
    usedAmountInCryptocurrency?: number;
    usedAmountInFiat?: number;
    cryptocurrencySymbol?: string;
    fee?: {
        amountInFiat?: number;
        fiatSymbol?: string;
        amountInCryptocurrency?: number;
        cryptocurrencySymbol?: string;
        isInclusive?: boolean;
        usedCurrencyType?: string;
    };
}
export interface TransferPreviewed extends LinkEventBase {
    type: 'transferPreviewed';
    payload: {
        amount: number;
        symbol: string;
        toAddress: string;
        networkId: string;
        previewId: string;
        networkName?: string;
        amountInFiat?: number;
        fiatCurrency?: string;
        integrationType?: string;
        integrationName?: string;
        estimatedNetworkGasFee?: TransferFee;
        institutionTransferFee?: TransferFee;
        customClientFee?: TransferFee;
        cryptocurrencyFundingOptions?: CryptocurrencyFundingOption[];
        userId?: string;
        clientTransactionId?: string;
    };
}
export interface TransferPreviewError extends LinkEventBase {
    type: 'transferPreviewError';
    payload: {
        errorMessage: string;
        requestId?: string;
        /** linkd addition: the errorType of the failure (see SessionSummary.errorType). */
        errorType?: string;
    };
}
export interface TransferExecutionError extends LinkEventBase {
    type: 'transferExecutionError';
    payload: {
        errorMessage: string;
        requestId?: string;
        /** linkd addition: the errorType of the failure (see SessionSummary.errorType). */
        errorType?: string;
    };
}
export interface TransferConfigureError extends LinkEventBase {
    type: 'transferConfigureError';
    payload: {
        errorMessage: string;
        requestId?: string;
        /** linkd addition: the errorType of the failure (see SessionSummary.errorType). */
        errorType?: string;
    };
}
export interface IntegrationMfaRequired extends LinkEventBase {
    type: 'integrationMfaRequired';
}
export interface IntegrationMfaEntered extends LinkEventBase {
    type: 'integrationMfaEntered';
}
export interface IntegrationOAuthStarted extends LinkEventBase {
    type: 'integrationOAuthStarted';
}
export interface IntegrationAccountSelectionRequired extends LinkEventBase {
    type: 'integrationAccountSelectionRequired';
}
export interface TransferAssetSelected extends LinkEventBase {
    type: 'transferAssetSelected';
    payload: {
        symbol: string;
    };
}
export interface TransferNetworkSelected extends LinkEventBase {
    type: 'transferNetworkSelected';
    payload: {
        id: string;
        name: string;
    };
}
export interface TransferAmountEntered extends LinkEventBase {
    type: 'transferAmountEntered';
}
export interface TransferMfaRequired extends LinkEventBase {
    type: 'transferMfaRequired';
}
export interface TransferMfaEntered extends LinkEventBase {
    type: 'transferMfaEntered';
}
export interface TransferKycRequired extends LinkEventBase {
    type: 'transferKycRequired';
}
export interface ConnectionUnavailable extends LinkEventBase {
    type: 'connectionUnavailable';
    payload: {
        integrationType?: string;
        integrationName: string;
        reason: string;
    };
}
export interface ConnectionDeclined extends LinkEventBase {
    type: 'connectionDeclined';
    payload: {
        integrationType?: string;
        integrationName: string;
        reason: string;
        networkId?: string;
        toAddress?: string;
        errorMessage?: string;
    };
}
export interface TransferDeclined extends LinkEventBase {
    type: 'transferDeclined';
    payload: {
        integrationType?: string;
        integrationName: string;
        toAddress?: string;
        token?: string;
        network?: string;
        amount?: number;
        status: string;
    };
}
export interface DoneEvent extends LinkEventBase {
    type: 'done';
    payload: SessionSummary;
}
export interface CloseEvent extends LinkEventBase {
    type: 'close';
    payload: SessionSummary;
}
export interface WalletMessageSigned extends LinkEventBase {
    type: 'walletMessageSigned';
    payload: {
        signedMessageHash: string | undefined;
        message: string | undefined;
        address: string;
        timeStamp: number;
        isVerified: boolean;
        verifiedAddresses?: string[];
    };
}
export interface DefiWalletError extends LinkEventBase {
    type: 'defiWalletError';
    payload: {
        integrationName: string;
        errorType: 'timeout' | 'verifyMismatch';
        details: {
            requestedAddress?: string;
            connectedAddress?: string;
            requestedNetwork?: string;
            connectedNetwork?: string;
            connectUri?: string;
        };
        timeStamp: number;
    };
}
export interface VerifyDonePage extends LinkEventBase {
    type: 'verifyDonePage';
}
export interface VerifyWalletRejected extends LinkEventBase {
    type: 'verifyWalletRejected';
}
export interface SessionSummary {
    /** The page the user was on when the session ended (e.g. 'transferExecutedPage', 'integrationConnectedPage'). */
    page: string;
    selectedIntegration?: {
        id?: string;
        name?: string;
        integrationType?: string;
        integrationName?: string;
    };
    transfer?: {
        previewId?: string;
        symbol?: string;
        amount?: number;
        amountInFiat?: number;
        transactionId?: string;
        networkId?: string;
    };
    errorMessage?: string;
    /**
     * linkd addition: on an error screen's close, the errorType of what ended the session
     * (linkd's README lists them: the API's, such as 'linkTokenExpired',
     * 'linkTokenAlreadyUsed' and 'sessionRevoked', and the page's own, such as
     * 'networkError'); 'linkUiNotLoaded' when the Link UI never loaded.
     */
    errorType?: string;
}
export interface SDKinjectedWalletProviders extends LinkEventBase {
    type: 'SDKinjectedWalletProviders';
    payload: Array<{
        icon?: string;
        id: string;
        name: string;
    }>;
}
export interface LegalTermsViewed {
    type: 'legalTermsViewed';
}
export interface SeeWhatHappenedClicked {
    type: 'seeWhatHappenedClicked';
}
export interface FundingOptionsUpdated {
    type: 'fundingOptionsUpdated';
}
export interface FundingOptionsViewed {
    type: 'fundingOptionsViewed';
}
export interface GasIncreaseWarning {
    type: 'gasIncreaseWarning';
}
export interface ExecuteFundingStep {
    type: 'executeFundingStep';
    payload: {
        cryptocurrencyFundingOptionType: string;
        status: string;
        errorMessage?: string;
    };
}
export interface LinkTransferQrGenerated {
    type: 'linkTransferQRGenerated';
    payload: {
        token?: string;
        network?: string;
        toAddress?: string;
        qrUrl?: string;
    };
}
export interface HomePageMethodSelected {
    type: 'methodSelected';
    payload: {
        method: 'embedded' | 'manual' | 'buy';
    };
}
export interface HomePageLoaded extends LinkEventBase {
    type: 'homePageLoaded';
}

/** Returns Link's entry points; options carry the callbacks. */
export declare function createLink(options: LinkOptions): Link;

declare global {
    /** Set by /sdk/link.js for use from the browser console. */
    var Linkd: { createLink: typeof createLink };
}
