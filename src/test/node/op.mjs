// A real OpenID provider for the tests: panva's oidc-provider (pinned by package-lock.json) on
// http://localhost:<port>, with its development sign-in pages (any password; the login names an
// account below). Usage: node op.mjs <port> '<clients as JSON>'. Prints "ready" when listening.
// Every start signs with a new RSA key of a new kid: restarting it on the same port rotates its keys.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const [port, clientsJson, overridesJson, clockOffset] = process.argv.slice(2);

// Optional fourth argument: seconds this provider's clock runs ahead (or behind, negative), to
// issue tokens that are already expired or not yet valid.
const offsetMs = Number(clockOffset || 0) * 1000;
if (offsetMs !== 0) {
  const realNow = Date.now;
  Date.now = () => realNow() + offsetMs;
}
const accounts = {
  alice: { preferred_username: 'alice', name: 'Alice Upstream', email: 'alice@example.com', email_verified: true, groups: ['staff', 'ops'] },
  bob: { preferred_username: 'bob', name: 'Bob Nomail' },
  carol: { preferred_username: 'carol', name: 'Carol Unverified', email: 'carol@example.com', email_verified: false },
  dave: { preferred_username: 'dave', name: 'Dave Domain', email: 'dave@corp.example', email_verified: true, groups: ['staff'] },
  // Signed in with two factors at this provider, as its amr says.
  grace: { preferred_username: 'grace', name: 'Grace Twofactor', amr: ['pwd', 'otp', 'mfa'] },
};

// Optional third argument: claims to change per account, e.g. '{"alice":{"groups":[]}}'.
for (const [id, claims] of Object.entries(JSON.parse(overridesJson || '{}'))) {
  accounts[id] = { ...accounts[id], ...claims };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

const provider = new Provider(`http://localhost:${port}`, {
  clients: JSON.parse(clientsJson),
  jwks: { keys: [signingKey] },
  pkce: { methods: ['S256'], required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'],
  claims: {
    openid: ['sub', 'amr'],
    profile: ['preferred_username', 'name'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  features: { devInteractions: { enabled: true } },
  // Short-lived ID tokens, so that a clock a few minutes behind issues expired ones.
  ttl: { IdToken: 60 },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));
