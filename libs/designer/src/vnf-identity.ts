/** The identity of the VNF a domain is designed for. */
export interface VnfIdentity {
  id: string;
  /** The vnfm instance that owns it (its mark in the metadata). */
  instanceId: string | null;
  specHash: string;
  generation: number;
}
