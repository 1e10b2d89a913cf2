// An independent relying party: openid-client (certified RP library, not ours) against a running
// Gatehouse. Driven line by line by OpenidClientInteropTest: every answer is one JSON line on
// stdout; the test answers the "authorize" step with the callback URL on stdin.
import * as client from 'openid-client';
import * as readline from 'node:readline';

const [issuer, clientId, clientSecret, redirectUri, serviceId, serviceSecret, publicId] = process.argv.slice(2);
const lines = readline.createInterface({ input: process.stdin });
const next = () => new Promise((resolve) => lines.once('line', resolve));
const say = (object) => process.stdout.write(JSON.stringify(object) + '\n');
const insecure = { execute: [client.allowInsecureRequests] };

try {
  // Discovery, then client_credentials with client_secret_basic (the id has a '-', which
  // openid-client form-encodes inside Basic as RFC 6749 §2.3.1 says).
  const service = await client.discovery(
    new URL(issuer), serviceId, serviceSecret, client.ClientSecretBasic(serviceSecret), insecure);
  const cc = await client.clientCredentialsGrant(service, { scope: 'reports:read' });
  say({ step: 'client_credentials', access_token: cc.access_token, scope: cc.scope, expires_in: cc.expires_in });

  // Authorization code + PKCE + nonce + state, with client_secret_post.
  const config = await client.discovery(
    new URL(issuer), clientId, clientSecret, client.ClientSecretPost(clientSecret), insecure);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  say({ step: 'authorize', url: url.href });
  const callback = await next();
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  say({ step: 'code', sub: claims.sub, email: info.email, preferred_username: info.preferred_username });
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  say({
    step: 'refresh',
    rotated: refreshed.refresh_token !== tokens.refresh_token,
    sub: refreshed.claims()?.sub,
  });
  const introspected = await client.tokenIntrospection(config, refreshed.access_token);
  say({ step: 'introspection', active: introspected.active, client_id: introspected.client_id });
  await client.tokenRevocation(config, refreshed.access_token);
  const after = await client.tokenIntrospection(config, refreshed.access_token);
  say({ step: 'revocation', active: after.active });

  // A public client (token_endpoint_auth_method "none", as SPAs and CLI apps are): code + PKCE,
  // refresh rotation, and revocation of its own refresh token.
  const spa = await client.discovery(new URL(issuer), publicId, undefined, client.None(), insecure);
  const spaVerifier = client.randomPKCECodeVerifier();
  const spaState = client.randomState();
  const spaUrl = client.buildAuthorizationUrl(spa, {
    redirect_uri: redirectUri,
    scope: 'openid profile offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(spaVerifier),
    code_challenge_method: 'S256',
    state: spaState,
  });
  say({ step: 'authorize', url: spaUrl.href });
  const spaCallback = await next();
  const spaTokens = await client.authorizationCodeGrant(spa, new URL(spaCallback), {
    pkceCodeVerifier: spaVerifier,
    expectedState: spaState,
  });
  const spaRefreshed = await client.refreshTokenGrant(spa, spaTokens.refresh_token);
  await client.tokenRevocation(spa, spaRefreshed.refresh_token, { token_type_hint: 'refresh_token' });
  let refusedAfterRevocation = '';
  try {
    await client.refreshTokenGrant(spa, spaRefreshed.refresh_token);
  } catch (error) {
    refusedAfterRevocation = String(error?.error ?? error?.code ?? error);
  }
  say({
    step: 'public',
    sub: spaTokens.claims()?.sub,
    rotated: spaRefreshed.refresh_token !== spaTokens.refresh_token,
    refused_after_revocation: refusedAfterRevocation,
  });
  say({ step: 'done' });
} catch (error) {
  say({ step: 'error', message: String(error?.message ?? error), code: error?.code, cause: String(error?.cause ?? '') });
} finally {
  lines.close();
}
