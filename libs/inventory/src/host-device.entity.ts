import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One host device as last scanned; kept while claimed even when it has vanished. */
@Entity({ name: 'host_device' })
export class HostDeviceEntity {
  /** `pci:0000:01:00.0`, `platform:fff51000.ethernet`, `fsl-mc:dprc.2`. */
  @PrimaryColumn({ type: 'text' })
  key!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  name!: string;

  /** HostDeviceFacts as JSON. */
  @Column({ type: 'text' })
  facts!: string;

  /** Seen by the last scan. */
  @Column({ type: 'boolean' })
  present!: boolean;

  @Column({ type: 'text', name: 'first_seen_at' })
  firstSeenAt!: string;

  @Column({ type: 'text', name: 'last_seen_at' })
  lastSeenAt!: string;
}

/** A device given to a VNF. One row per device (primary key), so never to two VNFs. */
@Entity({ name: 'device_claim' })
export class DeviceClaimEntity {
  @PrimaryColumn({ type: 'text', name: 'device_key' })
  deviceKey!: string;

  @Column({ type: 'text', name: 'vnf_id' })
  vnfId!: string;

  /** The request slot it serves (`hostDevices[0]`); null once a replace dropped it, until the old domain has let go. */
  @Column({ type: 'text', nullable: true })
  slot!: string | null;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', name: 'claimed_at' })
  claimedAt!: string;
}
