import type { Identity } from '../../../../libs/auth/src/index.js';
import type { VnfListQuery, VnfUseCases } from '../../../../libs/use-cases/src/index.js';
import { redactBody, redactionClassOf } from '../security/redaction.js';

/** How much JSON of recent pages is kept: a page of 100 is about 150 KB, one of 1,000 about 1.5 MB. */
const KEPT_CHARACTERS = 2 * 2 ** 20;

/**
 * The JSON answers of `GET /vnfs` (redacted for the caller's class), kept while nothing they show
 * can have changed: a page is answered again as it was only while the use case's page stamp (the
 * store's change mark, the status vnfm knows, the libvirt connection) is the one it was made at,
 * so a row changed a moment ago, by vnfm or by anyone writing the file, shows at once. The most
 * recently used answers are kept, up to KEPT_CHARACTERS in all.
 */
export class PageAnswers {
  private readonly answers = new Map<string, { asOf: string; json: string }>();
  private characters = 0;

  constructor(
    private readonly vnfs: VnfUseCases,
    private readonly keptCharacters = KEPT_CHARACTERS,
  ) {}

  async json(query: VnfListQuery, identity: Identity | null): Promise<string> {
    const key = JSON.stringify([query.cursor ?? null, query.limit ?? null, query.phase ?? null, query.labels ?? [], redactionClassOf(identity)]);
    const kept = this.answers.get(key);
    if (kept && kept.asOf === this.vnfs.pageStamp()) {
      this.answers.delete(key);
      this.answers.set(key, kept);
      return kept.json;
    }
    const { page, asOf } = await this.vnfs.list(query);
    const json = JSON.stringify(redactBody(page, identity));
    this.forget(key);
    if (asOf !== null) this.keep(key, { asOf, json });
    return json;
  }

  private keep(key: string, answer: { asOf: string; json: string }): void {
    if (answer.json.length > this.keptCharacters) return;
    this.answers.set(key, answer);
    this.characters += answer.json.length;
    for (const oldest of this.answers.keys()) {
      if (this.characters <= this.keptCharacters) break;
      this.forget(oldest);
    }
  }

  private forget(key: string): void {
    const kept = this.answers.get(key);
    if (!kept) return;
    this.answers.delete(key);
    this.characters -= kept.json.length;
  }
}
