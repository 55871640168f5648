import { Column, Entity, PrimaryColumn } from 'typeorm';

export type VnfPhase = 'Pending' | 'Provisioning' | 'Running' | 'Stopped' | 'Failed' | 'Deleting';

export interface VnfLastError {
  code: string;
  message: string;
  at: string;
}

/** One VNF: its desired spec and what vnfm last observed and did. */
@Entity({ name: 'vnf' })
export class VnfEntity {
  /** UUID chosen up front; also the libvirt domain's UUID. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text', unique: true })
  name!: string;

  /** The normalised spec (VnfSpec) as JSON. */
  @Column({ type: 'text' })
  spec!: string;

  @Column({ type: 'text', name: 'spec_hash' })
  specHash!: string;

  @Column({ type: 'integer' })
  generation!: number;

  @Column({ type: 'integer', name: 'observed_generation', default: 0 })
  observedGeneration!: number;

  @Column({ type: 'text' })
  phase!: VnfPhase;

  /** The lifecycle operation in progress (intent stored before the libvirt side effect). */
  @Column({ type: 'text', name: 'pending_operation', nullable: true })
  pendingOperation!: string | null;

  /** The definition changed (update strategy OnRestart) and the running guest still has the old one. */
  @Column({ type: 'boolean', name: 'restart_required', default: false })
  restartRequired!: boolean;

  /** The last pass found nothing to do. */
  @Column({ type: 'boolean', name: 'in_sync', default: false })
  inSync!: boolean;

  /** Differences the last pass found between libvirt and the spec, in words (JSON array). */
  @Column({ type: 'text', default: '[]' })
  drift!: string;

  /** Consecutive start failures (the backoff grows with them). */
  @Column({ type: 'integer', name: 'failure_count', default: 0 })
  failureCount!: number;

  /** No start before this time (epoch ms). */
  @Column({ type: 'integer', name: 'next_attempt_at', nullable: true })
  nextAttemptAt!: number | null;

  /** When vnfm asked the guest to shut down (epoch ms); destroy follows after the timeout. */
  @Column({ type: 'integer', name: 'shutdown_requested_at', nullable: true })
  shutdownRequestedAt!: number | null;

  /** POST /reboot was accepted and not yet carried out. */
  @Column({ type: 'boolean', name: 'reboot_requested', default: false })
  rebootRequested!: boolean;

  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column({ type: 'text', name: 'last_reconciled_at', nullable: true })
  lastReconciledAt!: string | null;

  @Column({ type: 'text', name: 'created_at' })
  createdAt!: string;

  @Column({ type: 'text', name: 'updated_at' })
  updatedAt!: string;
}
