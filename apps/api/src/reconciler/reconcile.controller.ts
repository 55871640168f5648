import { Controller, HttpCode, Post } from '@nestjs/common';
import { LibvirtError, errorMessage } from '../../../../libs/libvirt/src/index.js';
import { ProblemException } from '../common/problem.js';
import { Reconciler } from './reconciler.service.js';

@Controller('reconcile')
export class ReconcileController {
  constructor(private readonly reconciler: Reconciler) {}

  /** Runs a full pass now (after the one in progress, if any) and answers what it did. */
  @Post()
  @HttpCode(200)
  async reconcile() {
    try {
      return await this.reconciler.requestPass();
    } catch (error) {
      if (error instanceof LibvirtError) throw ProblemException.unavailable('libvirt-unavailable', `no reconcile pass: ${errorMessage(error)}`);
      throw error;
    }
  }
}
