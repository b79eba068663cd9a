/** Where the embedding model stands; reported by /readyz. */
export type ModelStatus =
  | { readonly status: 'disabled' }
  | { readonly status: 'absent'; readonly modelId: string }
  | { readonly status: 'downloading'; readonly modelId: string; readonly progress?: number }
  | { readonly status: 'loading'; readonly modelId: string }
  | { readonly status: 'ready'; readonly modelId: string }
  | { readonly status: 'failed'; readonly modelId: string; readonly error: string };
