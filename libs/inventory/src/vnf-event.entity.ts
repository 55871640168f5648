import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Something that happened to a VNF (defined, started, drift corrected, start failed, ...). */
@Entity({ name: 'vnf_event' })
export class VnfEventEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** The VNF id (also the domain UUID); kept after the VNF is gone, for orphans too. */
  @Column({ type: 'text', name: 'vnf_id' })
  vnfId!: string;

  @Column({ type: 'text', name: 'vnf_name' })
  vnfName!: string;

  @Column({ type: 'text' })
  at!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  message!: string;
}
