// An independent resource server: panva's jose (not ours) verifies Gatehouse access tokens against
// the published JWKS, as an API behind Gatehouse would. Driven by AccessTokenFormatsTest.
// Arguments: JWKS URL, expected issuer, the time to verify at (epoch seconds: the test's clock),
// then the tokens. One JSON line per token on stdout.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [jwksUrl, issuer, at, ...tokens] = process.argv.slice(2);
const jwks = createRemoteJWKSet(new URL(jwksUrl));
for (const token of tokens) {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer,
      typ: 'at+jwt',
      algorithms: ['ES256', 'RS256', 'EdDSA'],
      currentDate: new Date(Number(at) * 1000),
    });
    process.stdout.write(JSON.stringify({ ok: true, alg: protectedHeader.alg, sub: payload.sub }) + '\n');
  } catch (error) {
    process.stdout.write(JSON.stringify({ ok: false, code: String(error?.code ?? error) }) + '\n');
  }
}
