import { Controller, HttpCode, Post } from '@nestjs/common';
import { VnfmError } from '../../../../libs/core/src/index.js';
import { LibvirtError, errorMessage } from '../../../../libs/libvirt/src/index.js';
import { RequestChecks } from '../common/query-params.js';
import { Access } from '../security/access.js';
import { Reconciler } from '../../../../libs/reconciler/src/index.js';

@Controller('reconcile')
@RequestChecks()
export class ReconcileController {
  constructor(private readonly reconciler: Reconciler) {}

  /** Runs a full pass now (after the one in progress, if any) and answers what it did. */
  /** Admin: the report covers every domain on the host, other instances' included. */
  @Post()
  @Access('admin')
  @HttpCode(200)
  async reconcile() {
    try {
      return await this.reconciler.requestPass();
    } catch (error) {
      if (error instanceof LibvirtError) throw new VnfmError('libvirt-unavailable', `no reconcile pass: ${errorMessage(error)}`, { cause: error });
      throw error;
    }
  }
}
