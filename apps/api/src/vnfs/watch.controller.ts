import { Controller, Query, Req, Sse, type MessageEvent } from '@nestjs/common';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { VnfmError } from '../../../../libs/core/src/index.js';
import { VnfUseCases, VnfWatch } from '../../../../libs/use-cases/src/index.js';
import { QueryParams, RequestChecks, repeatable } from '../common/query-params.js';
import { Access } from '../security/access.js';
import { redactBody } from '../security/redaction.js';
import { identityOf } from '../security/request-identity.js';
import { labelSelectors } from './label-selectors.js';

/** A comment line this often keeps proxies and idle timers from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/** `Last-Event-ID` (or `?since=`): a change id, digits only. */
function sinceOf(header: string | string[] | undefined, query: string | undefined): number | undefined {
  const [field, text] = header !== undefined ? ['Last-Event-ID', Array.isArray(header) ? header[0] : header] : ['since', query];
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text.trim())) throw VnfmError.invalid([{ field, reason: 'must be an event id from this stream (digits)' }]);
  return Number(text.trim());
}

/**
 * `GET /api/v1/events`: every change of a VNF's spec or status as Server-Sent Events
 * (`event: ADDED|MODIFIED|DELETED`, `id:` the change id, `data:` `{type, name, object}` with the
 * VNF as GET shows it). Resumable with `Last-Event-ID`; `?label=` filters like the list.
 */
@Controller()
@RequestChecks()
@Access('read')
export class WatchController {
  constructor(private readonly watch: VnfWatch) {}

  @Sse('events')
  @QueryParams(repeatable('label'), 'since')
  events(@Query('label') label: string | string[] | undefined, @Query('since') since: string | undefined, @Req() request: Request): Observable<MessageEvent> {
    const selectors = labelSelectors(label);
    const from = sinceOf(request.headers['last-event-id'], since);
    const identity = identityOf(request);
    this.watch.requireRoom();
    return new Observable<MessageEvent>((subscriber) => {
      const stop = this.watch.watch(
        { ...(from === undefined ? {} : { since: from }), ...(selectors.length === 0 ? {} : { accepts: (labels) => VnfUseCases.matches({ spec: { labels: { ...labels } } }, selectors) }) },
        (event) => subscriber.next({ id: String(event.id), type: event.type, data: { type: event.type, name: event.name, object: redactBody(event.object, identity) } }),
        () => subscriber.complete(),
      );
      const keepalive = setInterval(() => subscriber.next({ comment: 'keepalive' }), KEEPALIVE_MS);
      return () => {
        clearInterval(keepalive);
        stop();
      };
    });
  }
}
