// node oidc-provider (panva) as the peer of bench/compare/run.sh: one confidential client with
// client_credentials, access tokens in the given format, JWTs signed with the given algorithm.
// Its storage is the package's in-memory adapter (opaque tokens are kept in memory only; Gatehouse
// commits a record per token to its database before answering).
// Usage: node op.mjs PORT ALG FORMAT SECRET   (ALG: ES256 | RS256 | EdDSA; FORMAT: jwt | opaque)
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

const [port, alg, format, secret] = process.argv.slice(2);
const { privateKey } = await generateKeyPair(alg, { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `bench-${alg}` };
const resource = 'https://api.bench.test';
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'bench',
    client_secret: secret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'api',
    id_token_signed_response_alg: alg,
  }],
  scopes: ['openid', 'api'],
  cookies: { keys: ['bench-only-cookie-key-0123456789'] },
  jwks: { keys: [jwk] },
  enabledJWA: { idTokenSigningAlgValues: [alg] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: resource,
        accessTokenTTL: 600,
        accessTokenFormat: format,
        jwt: { sign: { alg } },
      }),
    },
  },
});
provider.listen(Number(port), '127.0.0.1');
