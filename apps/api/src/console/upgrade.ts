import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Request } from 'express';
import { VnfmError } from '../../../../libs/core/src/index.js';

/** An HTTP upgrade request's raw connection, for the route that takes it over. */
export interface UpgradeRequest {
  socket: Duplex;
  head: Buffer;
}

const upgrades = new WeakMap<IncomingMessage, UpgradeRequest>();

/**
 * Serves `Upgrade:` requests through the same application as every other request: each goes to
 * `handler` (the Express app, so the same middleware, guards and routes answer it) with a
 * response written to its socket, and the route that upgrades it finds the socket with
 * `upgradeOf`. Whatever answers with plain HTTP instead (401, 403, 404, 409, 426, ...) is
 * written there and the socket is closed after it. Only GET can upgrade (RFC 6455); other
 * methods are answered 405 at once, as their body would never arrive.
 */
export function serveUpgrades(server: Server, handler: (request: IncomingMessage, response: ServerResponse) => void): void {
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (request.method !== 'GET') {
      socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const response = new ServerResponse(request);
    response.shouldKeepAlive = false;
    response.assignSocket(socket as never);
    response.on('finish', () => {
      response.detachSocket(socket as never);
      socket.end();
    });
    upgrades.set(request, { socket, head });
    handler(request, response);
  });
}

/** The connection of a request that asked for a WebSocket; null for any other request. */
export function upgradeOf(request: Request): UpgradeRequest | null {
  const upgrade = upgrades.get(request);
  const wantsWebSocket = request.headers.upgrade?.toLowerCase() === 'websocket';
  return upgrade !== undefined && wantsWebSocket ? upgrade : null;
}

const WEBSOCKET_KEY = /^[A-Za-z0-9+/]{22}==$/;

/**
 * The WebSocket handshake's own headers (RFC 6455 4.2.1), checked before anything is opened, so
 * the handshake itself cannot fail afterwards.
 */
export function checkWebSocketHandshake(request: Request): void {
  const problems = [];
  if (!WEBSOCKET_KEY.test(request.headers['sec-websocket-key'] ?? '')) problems.push({ field: 'Sec-WebSocket-Key', reason: 'must be 16 bytes in base64' });
  if (request.headers['sec-websocket-version'] !== '13') problems.push({ field: 'Sec-WebSocket-Version', reason: 'must be 13' });
  if (!/\bupgrade\b/i.test(request.headers.connection ?? '')) problems.push({ field: 'Connection', reason: 'must include Upgrade' });
  if (problems.length > 0) throw VnfmError.invalid(problems);
}

/** Detaches the upgrade's socket from the request's HTTP response: from now on the route owns it. */
export function takeOver(request: Request, response: ServerResponse): void {
  const upgrade = upgradeOf(request);
  if (upgrade === null) throw new Error('not an upgrade request');
  response.detachSocket(upgrade.socket as never);
}
