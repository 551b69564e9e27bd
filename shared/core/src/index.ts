/**
 * @sumgate/core: the verification core shared by the pnpm and Yarn adapters, the CLI and the log
 * server. A pure library: no package-manager imports, no process.exit.
 * Data flows one way: policy -> sources -> log -> verdict -> message.
 */
export * from './errors.js';
export * from './errorTable.js';
export * from './tlog/index.js';
export * from './record/npmRecord.js';
export { escapeName, unescapeName } from './record/escapeName.js';
export * from './inspect/installCode.js';
export { installCodeV1Fingerprint } from './inspect/installCodeV1.js';
export { readTarball, listTarball } from './inspect/tarball.js';
export * from './npm/registrySignature.js';
export type {
  Approval,
  ExoticAllowance,
  LogPolicy,
  Mode,
  NpmKeyPolicy,
  Policy,
  SourcePolicy,
  Strategy,
} from './policy/policy.js';
export type { WitnessPolicy as PolicyWitnesses } from './policy/policy.js';
export { DEFAULT_POLICY, POLICY_FILE_NAME } from './policy/policy.js';
export { findWorkspaceRoot, loadPolicy, parsePolicyText, policyPath } from './policy/loadPolicy.js';
export { jsonStringEnd, stripJsonComments } from './policy/jsonc.js';
export * from './sources/http.js';
export { Credentials } from './sources/credentials.js';
export { npmrcFiles, readNpmrc, tlsOptions } from './sources/npmrc.js';
export type { NpmrcSettings } from './sources/npmrc.js';
export { Sources, RejectedBySource } from './sources/sources.js';
export type { Packument, PackumentVersion, SourceFailure, Fetched } from './sources/sources.js';
export { routeSources, conventionalTarballUrl, packumentPath } from './sources/routing.js';
export { LogClient } from './client/logClient.js';
export type { LoggedRecord, LookupResult, LogClientOptions } from './client/logClient.js';
export { formatLookupResponse, parseLookupResponse } from './client/lookupResponse.js';
export { CheckpointStore } from './client/checkpointStore.js';
export { nodeClientOps, nodeFileOps } from './client/clientOps.js';
export type { ClientOps, FileOps } from './client/clientOps.js';
export { ForeignOriginError, keyIdOf, noteHashOf, PinnedKeys } from './client/pinnedKeys.js';
export type { TrustedCheckpoint } from './client/pinnedKeys.js';
export { LogHistory } from './client/logHistory.js';
export {
  MAX_VERSION_LIST_LIMIT,
  parseVersionList,
  VERSION_LIST_LIMIT,
  versionListPath,
} from './client/versionList.js';
export type { ListedVersion, VersionList, VersionListAnswer } from './client/versionList.js';
export { resolveCacheDir } from './cache/cacheDir.js';
export { writeFileAtomic, withFileLock } from './cache/atomicFile.js';
export { FactsCache } from './cache/factsCache.js';
export type { CachedFacts, ProvenEntry } from './cache/factsCache.js';
export * from './verdict/verdict.js';
export { decide } from './verdict/decide.js';
export type { Facts, SourceMetadata } from './verdict/decide.js';
export { isSemver, previousVersion } from './verdict/previousVersion.js';
export { lowerOnTrack } from './verdict/baseline.js';
export { coveringApproval } from './verdict/approvalCover.js';
export type { Cover } from './verdict/approvalCover.js';
export { matchesDeny, matchesNameGlob } from './verdict/matchers.js';
export { Gate } from './gate.js';
export { sha512Of, sha512Sri } from './sri.js';
export type { GateOptions, PackageRef, VerifiedTarball } from './gate.js';
export { classifySpec, isExotic } from './graph/dependencySpec.js';
export type { DependencySpec, SpecKind } from './graph/dependencySpec.js';
export { dependencyEdges, isInside, judgeDependency, localPath } from './graph/exoticDependency.js';
export type { DependencyEdge, ExoticJudgement } from './graph/exoticDependency.js';
export { VerdictBatcher } from './graph/verdictBatcher.js';
export { decideExotic, exoticMismatch, inspectExotic } from './graph/exoticInspection.js';
export type { InspectedExotic } from './graph/exoticInspection.js';
export { gitCloneUrl, gitSnapshot } from './graph/gitSnapshot.js';
export {
  importerSpecifiers,
  lockedExoticPackages,
  lockedRegistryPackages,
  parseDepPath,
} from './lockfile/pnpmLockfile.js';
export type { LockedExotic, PnpmLockfileLike } from './lockfile/pnpmLockfile.js';
export { judgeLockedExotic } from './graph/lockedExotic.js';
export { parsePnpmLockText } from './lockfile/pnpmLockText.js';
