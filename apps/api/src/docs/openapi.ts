import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../../../../libs/core/src/index.js';
import { makeSpecObjectSchema, type GuestArch } from '../../../../libs/vnf/src/index.js';
import { ERROR_STATUS } from '../common/error-status.js';
import { PROBLEM_BASE } from '../common/problem.js';
import { IDEMPOTENCY_KEY } from '../common/preconditions.js';
import { REQUEST_EXAMPLES } from './examples.js';

type Json = Record<string, unknown>;

/** The codes answered with `status`, from the one exhaustive table. */
function codesOf(status: number): ErrorCode[] {
  return ERROR_CODES.filter((code) => ERROR_STATUS[code].status === status);
}

/** A problem+json response for one status, naming every code it can carry. */
function problemResponse(status: number): Json {
  const codes = codesOf(status);
  const code = codes[0] ?? 'internal';
  return {
    description: `${ERROR_STATUS[code].title}. Problem types: ${codes.map((each) => `\`${each}\``).join(', ')}.`,
    content: {
      'application/problem+json': {
        schema: { $ref: '#/components/schemas/Problem' },
        example: { type: `${PROBLEM_BASE}${code}`, title: ERROR_STATUS[code].title, status, detail: `an example of ${code}` },
      },
    },
  };
}

const STATUSES = [...new Set(ERROR_CODES.map((code) => ERROR_STATUS[code].status))].sort();

/** Refusals every authenticated route can answer. */
const COMMON_ERRORS = [401, 403, 421, 503, 500];
const WRITE_ERRORS = [...COMMON_ERRORS, 400, 415, 429];

function errors(...statuses: number[]): Json {
  return Object.fromEntries([...new Set(statuses)].sort().map((status) => [String(status), { $ref: `#/components/responses/Problem${status}` }]));
}

const json = (schema: Json, extra: Json = {}) => ({ content: { 'application/json': { schema, ...extra } } });
const vnfAnswer = (description: string, headers: Json = {}) => ({ description, headers: { ETag: { $ref: '#/components/headers/ETag' }, ...headers }, ...json({ $ref: '#/components/schemas/Vnf' }) });
const nameParam = { $ref: '#/components/parameters/name' };
const scope = (which: 'read' | 'write' | 'admin' | 'public') => ({ 'x-vnfm-scope': which, security: which === 'public' ? [] : [{ bearer: [] }] });

const VNF_VIEW: Json = {
  type: 'object',
  required: ['id', 'name', 'spec', 'status', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string', format: 'uuid', description: 'The VNF id, which is also its libvirt domain UUID.' },
    name: { type: 'string' },
    spec: { description: 'The stored request with every default filled in (null when the stored spec cannot be read).', oneOf: [{ $ref: '#/components/schemas/VnfRequest' }, { type: 'null' }] },
    status: {
      type: 'object',
      properties: {
        phase: { type: 'string', enum: ['Pending', 'Provisioning', 'Running', 'Stopped', 'Failed', 'Deleting'] },
        domain: {
          type: 'object',
          description: 'The observed libvirt domain; state `absent` when there is none, `unknown` when libvirtd is unreachable.',
          properties: { uuid: { type: 'string' }, id: { type: ['integer', 'null'] }, state: { type: 'string' }, persistent: { type: 'boolean' } },
          required: ['state'],
        },
        devices: {
          type: 'array',
          items: { type: 'object', properties: { slot: { type: ['string', 'null'] }, kind: { type: 'string' }, name: { type: 'string' }, releasing: { type: 'boolean' } } },
        },
        inSync: { type: 'boolean' },
        drift: { type: 'array', items: { type: 'string' } },
        generation: { type: 'integer' },
        observedGeneration: { type: 'integer' },
        pendingOperation: { type: ['string', 'null'] },
        restartRequired: { type: 'boolean' },
        lastError: { oneOf: [{ type: 'null' }, { type: 'object', properties: { code: { type: 'string', enum: [...ERROR_CODES] }, message: { type: 'string' }, at: { type: 'string' } } }] },
        backoff: { oneOf: [{ type: 'null' }, { type: 'object', properties: { failures: { type: 'integer' }, nextAttemptAt: { type: ['string', 'null'] } } }] },
        rebootRequested: { type: 'boolean' },
        lastReconciledAt: { type: ['string', 'null'] },
      },
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

/**
 * The OpenAPI 3.1 document. The request schema is generated from the very zod schema that
 * validates requests (`z.toJSONSchema`, JSON Schema 2020-12, which OpenAPI 3.1 uses); errors come
 * from the ERROR_STATUS table, so a new code is documented by being given its row there.
 */
export function openApiDocument(defaultArch: GuestArch): Json {
  // The object schema the validating pipe ends in (its first step only checks the kind's rules).
  const request = z.toJSONSchema(makeSpecObjectSchema({ defaultArch }), { io: 'input', unrepresentable: 'any' }) as Json;
  delete request.$schema;
  const examples = Object.fromEntries(Object.entries(REQUEST_EXAMPLES).map(([key, example]) => [key, { summary: example.summary, value: example.value }]));
  const requestBody = { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/VnfRequest' }, examples } } };
  const dryRun = { $ref: '#/components/parameters/dryRun' };
  const ifMatch = { $ref: '#/components/parameters/ifMatch' };
  const label = { name: 'label', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true, description: '`key=value` or `key` (present); repeatable, every one must match.' };

  return {
    openapi: '3.1.0',
    info: {
      title: 'vnfm',
      version: '0.1.0',
      description:
        'VNF manager for libvirt hosts. Errors are RFC 9457 problem details (`application/problem+json`) whose `type` ends in the error code. Scopes: `read`, `write`, `admin` (bearer tokens); `x-vnfm-scope` on each operation names the one it needs.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/vnfs': {
        get: {
          operationId: 'listVnfs',
          summary: 'Every VNF, by name',
          ...scope('read'),
          parameters: [label],
          responses: { 200: { description: 'The VNFs', ...json({ type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Vnf' } }, nextCursor: { type: ['string', 'null'] } } }) }, ...errors(...COMMON_ERRORS, 400) },
        },
        post: {
          operationId: 'createVnf',
          summary: 'Create a VNF (or, with dryRun, answer what it would do)',
          ...scope('write'),
          parameters: [dryRun, { $ref: '#/components/parameters/idempotencyKey' }],
          requestBody,
          responses: {
            201: vnfAnswer('Created, defined and (unless stopped) started', { Location: { schema: { type: 'string' }, description: '/api/v1/vnfs/{name}' }, 'Idempotent-Replayed': { schema: { type: 'string', const: 'true' }, description: 'The first answer to this Idempotency-Key, replayed.' } }),
            200: { description: 'Dry run: nothing written', ...json({ $ref: '#/components/schemas/DryRun' }) },
            ...errors(...WRITE_ERRORS, 409, 422),
          },
        },
      },
      '/api/v1/vnfs/{name}': {
        parameters: [nameParam],
        get: { operationId: 'getVnf', summary: 'One VNF: spec and status', ...scope('read'), responses: { 200: vnfAnswer('The VNF'), ...errors(...COMMON_ERRORS, 404) } },
        put: {
          operationId: 'putVnf',
          summary: 'Create or replace a VNF (the name in the body, if any, must be the name in the URL)',
          ...scope('write'),
          parameters: [dryRun, ifMatch],
          requestBody,
          responses: {
            200: { description: 'Replaced (or, with dryRun, what it would store and define)', headers: { ETag: { $ref: '#/components/headers/ETag' } }, content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/Vnf' }, { $ref: '#/components/schemas/DryRun' }] } } } },
            201: vnfAnswer('Created', { Location: { schema: { type: 'string' } } }),
            ...errors(...WRITE_ERRORS, 409, 412, 422),
          },
        },
        delete: {
          operationId: 'deleteVnf',
          summary: 'Delete a VNF: its domain, then its row and devices',
          ...scope('write'),
          parameters: [ifMatch],
          responses: { 202: vnfAnswer('Deleted, or deletion under way'), ...errors(...COMMON_ERRORS, 404, 412, 429) },
        },
      },
      ...Object.fromEntries(
        (['start', 'stop', 'reboot'] as const).map((verb) => [
          `/api/v1/vnfs/{name}/${verb}`,
          {
            parameters: [nameParam],
            post: { operationId: `${verb}Vnf`, summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} the VNF`, ...scope('write'), responses: { 202: vnfAnswer('Requested and reconciled'), ...errors(...COMMON_ERRORS, 404, 409, 429) } },
          },
        ]),
      ),
      '/api/v1/vnfs/{name}/events': {
        parameters: [nameParam],
        get: {
          operationId: 'vnfEvents',
          summary: 'What happened to the VNF, oldest first',
          ...scope('read'),
          responses: { 200: { description: 'Events', ...json({ type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { at: { type: 'string' }, type: { type: 'string' }, message: { type: 'string' } } } } } }) }, ...errors(...COMMON_ERRORS, 404) },
        },
      },
      '/api/v1/vnfs/{name}/domain.xml': {
        parameters: [nameParam],
        get: {
          operationId: 'vnfDomainXml',
          summary: "The domain XML vnfm defines (live=true: libvirt's live XML; admin)",
          ...scope('read'),
          parameters: [{ name: 'live', in: 'query', schema: { type: 'boolean', default: false } }],
          responses: { 200: { description: 'Domain XML', content: { 'application/xml': { schema: { type: 'string' } } } }, ...errors(...COMMON_ERRORS, 400, 404, 422) },
        },
      },
      '/api/v1/vnfs/{name}/console': {
        parameters: [nameParam],
        get: {
          operationId: 'vnfConsole',
          summary: "The guest's serial console as a WebSocket (vnfctl console NAME)",
          description:
            'An upgrade route: send `Upgrade: websocket` (RFC 6455). Binary frames both ways carry raw console bytes (a text frame is taken as its UTF-8 bytes); frames up to 64 KiB. One client per VNF: another gets 409 `console-busy`, unless `force=true`, which closes the first with 4002 and takes the console over (from `virsh console` too). Everything is checked before the upgrade and refused as plain problem+json. vnfm closes with 1000 (detached), 1001 (vnfm shutting down), 4000 (the guest stopped), 4001 (the VNF is being deleted, or its domain is gone), 4002 (taken over), 4003 (libvirtd lost), 4004 (console error), 4005 (no answer to pings), 1011 (internal), each with a reason.',
          ...scope('write'),
          parameters: [
            { name: 'force', in: 'query', schema: { type: 'boolean', default: false }, description: 'Take the console over from whoever has it.' },
            { name: 'Upgrade', in: 'header', required: true, schema: { type: 'string', const: 'websocket' } },
          ],
          responses: { 101: { description: 'Switching protocols: the WebSocket is the console' }, ...errors(...COMMON_ERRORS, 400, 404, 409, 426) },
        },
      },
      '/api/v1/events': {
        get: {
          operationId: 'watchVnfs',
          summary: 'Watch: every change of a VNF as Server-Sent Events',
          description:
            '`event:` ADDED, MODIFIED, DELETED (and BOOKMARK first; RESYNC when the changes after Last-Event-ID were pruned: list again). `id:` the durable change id. `data:` `{type, name, object}`, the VNF as GET shows it when the event is sent.',
          ...scope('read'),
          parameters: [label, { name: 'since', in: 'query', schema: { type: 'string', pattern: '^\\d{1,15}$' } }, { name: 'Last-Event-ID', in: 'header', schema: { type: 'string', pattern: '^\\d{1,15}$' } }],
          responses: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors(...COMMON_ERRORS, 400) },
        },
      },
      '/api/v1/host-devices': {
        get: {
          operationId: 'listHostDevices',
          summary: 'Host devices and whether each can be assigned',
          ...scope('read'),
          parameters: [
            { name: 'type', in: 'query', schema: { type: 'string', enum: ['pci', 'platform', 'fsl-mc'] } },
            { name: 'assignable', in: 'query', schema: { type: 'boolean' } },
          ],
          responses: { 200: { description: 'Devices', ...json({ type: 'object', properties: { items: { type: 'array', items: { type: 'object' } } } }) }, ...errors(...COMMON_ERRORS, 400) },
        },
      },
      '/api/v1/host-devices/rescan': { post: { operationId: 'rescanHostDevices', summary: 'Read sysfs again', ...scope('admin'), responses: { 200: { description: 'What changed', ...json({ type: 'object' }) }, ...errors(...COMMON_ERRORS, 429) } } },
      '/api/v1/host': { get: { operationId: 'host', summary: "The host's facts and preflight", ...scope('admin'), responses: { 200: { description: 'Host', ...json({ type: 'object' }) }, ...errors(...COMMON_ERRORS) } } },
      '/api/v1/reconcile': { post: { operationId: 'reconcile', summary: 'A full reconcile pass now', ...scope('admin'), responses: { 200: { description: 'What the pass did', ...json({ type: 'object' }) }, ...errors(...COMMON_ERRORS, 429) } } },
      '/healthz': { get: { operationId: 'healthz', summary: 'The process is up', ...scope('public'), responses: { 200: { description: 'Up', ...json({ type: 'object' }) } } } },
      '/readyz': { get: { operationId: 'readyz', summary: 'libvirt connected and the database writable', ...scope('public'), responses: { 200: { description: 'Ready', ...json({ type: 'object' }) }, ...errors(503) } } },
      '/metrics': { get: { operationId: 'metrics', summary: 'Prometheus exposition (read scope unless VNFM_METRICS_PUBLIC)', ...scope('read'), responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors(401, 403) } } },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from the tokens file (or admin.token)' } },
      headers: { ETag: { description: "A strong tag of the VNF's stored intent (id, generation, spec, pending operation); send it back in If-Match.", schema: { type: 'string' } } },
      parameters: {
        name: { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' } },
        dryRun: { name: 'dryRun', in: 'query', required: false, schema: { type: 'boolean', default: false }, description: 'Validate and answer what would be stored, defined and claimed; write nothing.' },
        ifMatch: { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: '`*` or ETags: act only if the VNF is at one of them (else 412 precondition-failed).' },
        idempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source },
          description: 'A retry with the same key and body answers the first answer (no second VNF); another body under the key is 422 idempotency-key-reused. Kept 24 h.',
        },
      },
      schemas: {
        VnfRequest: request,
        Vnf: VNF_VIEW,
        DryRun: { type: 'object', properties: { dryRun: { const: true }, spec: { $ref: '#/components/schemas/VnfRequest' }, domainXml: { type: 'string' }, devices: { type: 'array', items: { type: 'object' } } }, required: ['dryRun', 'spec', 'domainXml', 'devices'] },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string', enum: ERROR_CODES.map((code) => `${PROBLEM_BASE}${code}`), description: 'The error code, as a URI.' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            field: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', required: ['field', 'reason'], properties: { field: { type: 'string' }, reason: { type: 'string' }, code: { type: 'string' } } } },
          },
        },
      },
      responses: Object.fromEntries(STATUSES.map((status) => [`Problem${status}`, problemResponse(status)])),
    },
  };
}
