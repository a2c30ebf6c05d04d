// The core's public face for hosts (the CLI, the extension, the MCP server): the Codebase and the
// pure types and values its callers need. Hosts import the core through here (and the model,
// prompt and eval layers above it); lint keeps them out of the layers below.
export { type CitedCode, Codebase, type CodebaseFolder, CodebaseError, type CodebaseOptions, defaultDbPath, type FolderRunResult, type FolderStatus, type MentionSuggestion, type OwnershipEvent, type ProgressEvent } from "./codebase";
export { connectEmbedder, createEmbedder, EMBEDDER_NAMES, embedderFactory, type EmbeddingProfile, localEmbedder, serverKey } from "./embedders";
export { TransformersUnavailableError } from "../embed/transformers";
export type { EmbedderFactory } from "./generationEmbedders";
export { EmbeddingDimensionError, inputCutNote } from "../embed/openai";
export type { IndexStatus } from "./folderIndex";
export type { FolderSpec } from "./paths";
export type { Convention } from "../conventions/sources";
export type { IndexProgress, IndexRunResult } from "../index/indexer";
export type { ContextItem } from "../retrieval/contextPack";
export { type ResultLine, type ScoreParts, type SearchHit, type SearchMode, type SearchOptions, toResultLine } from "../retrieval/types";
export { IGNORE_FILE_NAMES } from "../scan/scanner";
export { IndexUnavailableError } from "../store/lance";
export { IndexLockedError } from "../store/lock";
export type { Embedder } from "../embed/embedder";
export { MIN_RELEVANCE } from "../retrieval/confidence";
export { isRemoteUri, parseStorageOptions, storageOptionsFromEnv, useStorage } from "./storage";
export { type ChildRun, indexInChild, type IndexJob, IndexProcessStartError, jobOptions } from "./indexProcess";
export { ALLOCATOR_ENV, maintainsApart } from "./allocator";
