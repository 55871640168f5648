/** Nest token of the per-VNF-name KeyedMutex shared by the API and the reconciler. */
export const VNF_LOCKS = Symbol('VNF_LOCKS');
