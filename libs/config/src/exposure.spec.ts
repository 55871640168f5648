import { describe, expect, it } from 'vitest';
import { InvalidConfigError, isLoopbackHost, loadConfig } from './vnfm-config.js';

describe('what vnfm exposes, and to whom', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'])('%s is loopback', (host) => expect(isLoopbackHost(host)).toBe(true));
  it.each(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'vnfm.example', '127.0.0.1.nip.io'])('%s is not', (host) => expect(isLoopbackHost(host)).toBe(false));

  it('defaults: loopback, authentication on', () => {
    expect(loadConfig({})).toMatchObject({ VNFM_HOST: '127.0.0.1', VNFM_AUTH: 'on', VNFM_ALLOWED_HOSTS: [], VNFM_METRICS_PUBLIC: false });
  });

  it.each([
    [{ VNFM_AUTH: 'off', VNFM_HOST: '0.0.0.0', VNFM_ALLOW_PLAINTEXT: 'true' }, 'VNFM_AUTH'],
    [{ VNFM_HOST: '0.0.0.0' }, 'VNFM_HOST'],
    [{ VNFM_HOST: '::' }, 'VNFM_HOST'],
    [{ VNFM_TLS_CERT: '/etc/vnfm/cert.pem' }, 'VNFM_TLS_KEY'],
    [{ VNFM_TLS_CLIENT_CA: '/etc/vnfm/ca.pem' }, 'VNFM_TLS_CLIENT_CA'],
    [{ VNFM_ALLOWED_HOSTS: 'good.example,bad host' }, 'VNFM_ALLOWED_HOSTS'],
    [{ VNFM_CORS_ORIGINS: 'ops.example' }, 'VNFM_CORS_ORIGINS'],
    [{ VNFM_METRICS_PUBLIC: 'yes' }, 'VNFM_METRICS_PUBLIC'],
  ])('refuses %j, naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(InvalidConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(variable));
  });

  it('accepts TLS on any address, and plaintext there only when asked', () => {
    expect(loadConfig({ VNFM_HOST: '0.0.0.0', VNFM_TLS_CERT: '/c.pem', VNFM_TLS_KEY: '/k.pem' }).VNFM_HOST).toBe('0.0.0.0');
    expect(loadConfig({ VNFM_HOST: '0.0.0.0', VNFM_ALLOW_PLAINTEXT: 'true' }).VNFM_ALLOW_PLAINTEXT).toBe(true);
    expect(loadConfig({ VNFM_ALLOWED_HOSTS: 'vnfm.example, [::1]:8080' }).VNFM_ALLOWED_HOSTS).toEqual(['vnfm.example', '[::1]:8080']);
  });
});
