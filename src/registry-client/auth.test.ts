import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Authorizer, parseChallenges, type TokenFetcher } from './auth.js';
import { isHullError } from '../errors.js';

test('parseChallenges reads Docker Hub, distribution and Basic challenges', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  // Commas inside quotes, spaces around '=', two challenges, unquoted values, escapes.
  assert.deepEqual(parseChallenges('Bearer realm = "http://a/t", scope="repository:a:pull,push" , error=insufficient_scope, Basic realm="x \\"y\\""'), [
    { scheme: 'bearer', params: { realm: 'http://a/t', scope: 'repository:a:pull,push', error: 'insufficient_scope' } },
    { scheme: 'basic', params: { realm: 'x "y"' } },
  ]);
  assert.deepEqual(parseChallenges(''), []);
});

function fakeTokens(answers: Array<{ status: number; body: unknown }>): { fetch: TokenFetcher; calls: Array<{ url: URL; headers: Record<string, string> }> } {
  const calls: Array<{ url: URL; headers: Record<string, string> }> = [];
  return {
    calls,
    fetch: async (url, headers) => {
      calls.push({ url, headers });
      const a = answers.shift() ?? { status: 500, body: {} };
      return { status: a.status, body: Buffer.from(JSON.stringify(a.body)) };
    },
  };
}

test('Bearer tokens are requested with service and scopes, cached per scope set, refreshed at expiry', async () => {
  let now = Date.parse('2024-01-01T00:00:00Z');
  const { fetch, calls } = fakeTokens([
    { status: 200, body: { token: 'one', expires_in: 60, issued_at: '2024-01-01T00:00:00Z' } },
    { status: 200, body: { access_token: 'two' } },
    { status: 200, body: { token: 'three', expires_in: 60 } },
  ]);
  const auth = new Authorizer({ username: 'u', password: 'p' }, fetch, { action: 'pull "x"', host: 'h' }, () => now);
  assert.equal(await auth.authorization(['repository:a:pull']), undefined, 'no challenge yet: no header');
  assert.equal(auth.setChallenge('Bearer realm="http://auth.test/token",service="reg"'), true);
  assert.equal(await auth.authorization(['repository:a:pull']), 'Bearer one');
  assert.equal(await auth.authorization(['repository:a:pull']), 'Bearer one', 'cached');
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.url.searchParams.get('service'), 'reg');
  assert.deepEqual(calls[0]?.url.searchParams.getAll('scope'), ['repository:a:pull']);
  assert.equal(calls[0]?.headers.Authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
  assert.equal(await auth.authorization(['repository:b:pull,push', 'repository:a:pull']), 'Bearer two', 'another scope set, another token');
  now += 58_000;
  assert.equal(await auth.authorization(['repository:a:pull']), 'Bearer three', 'close to expiry: refreshed');
  auth.invalidate(['repository:a:pull']);
  await assert.rejects(auth.authorization(['repository:a:pull']), (err) => isHullError(err, 'UNAVAILABLE'));
});

test('refused credentials and anonymous tokens', async () => {
  const refused = fakeTokens([{ status: 401, body: {} }]);
  const auth = new Authorizer({ username: 'u', password: 'bad' }, refused.fetch, { action: 'pull "x"', host: 'reg:5000' });
  auth.setChallenge('Bearer realm="http://auth.test/token"');
  await assert.rejects(auth.authorization(['repository:a:pull']), (err) => isHullError(err, 'UNAUTHORIZED') && /hull login reg:5000" again/.test(err.hint ?? ''));

  const anon = fakeTokens([{ status: 200, body: { token: 'anon' } }]);
  const a = new Authorizer(undefined, anon.fetch, { action: 'pull "x"', host: 'h' });
  a.setChallenge('Bearer realm="http://auth.test/token"');
  assert.equal(await a.authorization(['repository:a:pull']), 'Bearer anon');
  assert.equal(anon.calls[0]?.headers.Authorization, undefined);
  assert.equal(a.canAnswer(), true);

  const basic = new Authorizer(undefined, anon.fetch, { action: 'pull "x"', host: 'h' });
  basic.setChallenge('Basic realm="r"');
  assert.equal(basic.canAnswer(), false, 'Basic without credentials: nothing to answer with');
  assert.equal(await basic.authorization([]), undefined);
});
